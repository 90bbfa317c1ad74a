/**
 * Minimal ERC-20 and ERC-721 contracts for tests, assembled here from EVM opcodes (no compiler to
 * download). Each has a public `mint(address to, uint256 amountOrId)` so a test can hand tokens to
 * any wallet, and emits the standard `Transfer` events.
 *
 * ERC-20: balanceOf, transfer (reverts when the balance is short), decimals (18), symbol ("TST").
 * ERC-721: ownerOf (reverts for an unminted id), transferFrom (only by the owner), symbol ("NFT").
 */
import { type Hex, keccak256, toHex } from 'viem'

const OP = {
  STOP: 0x00,
  ADD: 0x01,
  SUB: 0x03,
  LT: 0x10,
  EQ: 0x14,
  ISZERO: 0x15,
  SHR: 0x1c,
  CALLER: 0x33,
  CALLDATALOAD: 0x35,
  CODECOPY: 0x39,
  MSTORE: 0x52,
  SLOAD: 0x54,
  SSTORE: 0x55,
  JUMPI: 0x57,
  JUMPDEST: 0x5b,
  DUP1: 0x80,
  DUP2: 0x81,
  DUP3: 0x82,
  LOG3: 0xa3,
  LOG4: 0xa4,
  RETURN: 0xf3,
  REVERT: 0xfd,
} as const

type Op = keyof typeof OP
type Item = Op | { push: bigint | Hex; size?: number } | { label: string } | { to: string }

const push = (value: bigint | number | Hex, size?: number): Item => ({
  push: typeof value === 'number' ? BigInt(value) : value,
  ...(size ? { size } : {}),
})
const arg = (index: number): Item[] => [push(4 + 32 * index), 'CALLDATALOAD']

function pushBytes(value: bigint | Hex, size?: number): number[] {
  const hex = typeof value === 'bigint' ? value.toString(16) : value.slice(2)
  const padded = hex.length % 2 ? `0${hex}` : hex
  const bytes = Buffer.from(padded, 'hex')
  const n = size ?? Math.max(1, bytes.length)
  const out = Buffer.alloc(n)
  bytes.copy(out, n - bytes.length)
  return [0x5f + n, ...out]
}

function assemble(items: Item[]): Buffer {
  const labels = new Map<string, number>()
  for (let pass = 0; pass < 2; pass++) {
    const out: number[] = []
    for (const item of items) {
      if (typeof item === 'string') out.push(OP[item])
      else if ('label' in item) {
        labels.set(item.label, out.length)
        out.push(OP.JUMPDEST)
      } else if ('to' in item) out.push(...pushBytes(BigInt(labels.get(item.to) ?? 0), 2))
      else out.push(...pushBytes(item.push, item.size))
    }
    if (pass === 1) return Buffer.from(out)
  }
  throw new Error('unreachable')
}

/** Initcode that deploys `runtime` as is. */
function deployable(runtime: Buffer): Hex {
  const prefix = assemble([
    push(runtime.length, 2),
    'DUP1',
    push(13, 2),
    push(0),
    'CODECOPY',
    push(0),
    'RETURN',
  ])
  if (prefix.length !== 13) throw new Error('initcode prefix must be 13 bytes')
  return `0x${Buffer.concat([prefix, runtime]).toString('hex')}`
}

const TRANSFER = keccak256(toHex('Transfer(address,address,uint256)'))
const selector = (signature: string) => push(keccak256(toHex(signature)).slice(0, 10) as Hex, 4)

function dispatch(routes: [string, string][]): Item[] {
  const items: Item[] = [push(0), 'CALLDATALOAD', push(0xe0), 'SHR']
  for (const [signature, label] of routes)
    items.push('DUP1', selector(signature), 'EQ', { to: label }, 'JUMPI')
  items.push(push(0), 'DUP1', 'REVERT')
  return items
}

const returnWord: Item[] = [push(0), 'MSTORE', push(32), push(0), 'RETURN']
const revert: Item[] = [{ label: 'revert' }, push(0), 'DUP1', 'REVERT']

function symbolReturn(symbol: string): Item[] {
  const word = BigInt(`0x${Buffer.from(symbol).toString('hex').padEnd(64, '0')}`)
  return [
    push(0x20),
    push(0),
    'MSTORE',
    push(symbol.length),
    push(0x20),
    'MSTORE',
    push(word, 32),
    push(0x40),
    'MSTORE',
    push(0x60),
    push(0),
    'RETURN',
  ]
}

export const erc20Bytecode: Hex = deployable(
  assemble([
    ...dispatch([
      ['balanceOf(address)', 'balanceOf'],
      ['transfer(address,uint256)', 'transfer'],
      ['decimals()', 'decimals'],
      ['symbol()', 'symbol'],
      ['mint(address,uint256)', 'mint'],
    ]),
    { label: 'balanceOf' },
    ...arg(0),
    'SLOAD',
    ...returnWord,
    { label: 'decimals' },
    push(18),
    ...returnWord,
    { label: 'symbol' },
    ...symbolReturn('TST'),
    { label: 'mint' },
    ...arg(1),
    ...arg(0),
    'SLOAD',
    'ADD',
    ...arg(0),
    'SSTORE',
    ...arg(1),
    push(0),
    'MSTORE',
    ...arg(0),
    push(0),
    push(TRANSFER, 32),
    push(32),
    push(0),
    'LOG3',
    'STOP',
    { label: 'transfer' },
    'CALLER',
    'SLOAD', // [bal]
    ...arg(1), // [bal, amt]
    'DUP1',
    'DUP3',
    'LT', // bal < amt
    { to: 'revert' },
    'JUMPI',
    'DUP1',
    'DUP3',
    'SUB', // [bal, amt, bal-amt]
    'CALLER',
    'SSTORE',
    ...arg(0),
    'SLOAD',
    'DUP2',
    'ADD',
    ...arg(0),
    'SSTORE',
    ...arg(1),
    push(0),
    'MSTORE',
    ...arg(0),
    'CALLER',
    push(TRANSFER, 32),
    push(32),
    push(0),
    'LOG3',
    push(1),
    ...returnWord,
    ...revert,
  ]),
)

export const erc721Bytecode: Hex = deployable(
  assemble([
    ...dispatch([
      ['ownerOf(uint256)', 'ownerOf'],
      ['transferFrom(address,address,uint256)', 'transferFrom'],
      ['symbol()', 'symbol'],
      ['mint(address,uint256)', 'mint'],
    ]),
    { label: 'ownerOf' },
    ...arg(0),
    'SLOAD',
    'DUP1',
    'ISZERO',
    { to: 'revert' },
    'JUMPI',
    ...returnWord,
    { label: 'symbol' },
    ...symbolReturn('NFT'),
    { label: 'mint' },
    ...arg(0),
    ...arg(1),
    'SSTORE',
    ...arg(1),
    ...arg(0),
    push(0),
    push(TRANSFER, 32),
    push(0),
    push(0),
    'LOG4',
    'STOP',
    { label: 'transferFrom' },
    ...arg(2),
    'SLOAD',
    ...arg(0),
    'EQ',
    'ISZERO',
    { to: 'revert' },
    'JUMPI',
    'CALLER',
    ...arg(0),
    'EQ',
    'ISZERO',
    { to: 'revert' },
    'JUMPI',
    ...arg(1),
    ...arg(2),
    'SSTORE',
    ...arg(2),
    ...arg(1),
    ...arg(0),
    push(TRANSFER, 32),
    push(0),
    push(0),
    'LOG4',
    'STOP',
    ...revert,
  ]),
)

export const mintAbi = [
  {
    type: 'function',
    name: 'mint',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'to', type: 'address' },
      { name: 'value', type: 'uint256' },
    ],
    outputs: [],
  },
] as const
