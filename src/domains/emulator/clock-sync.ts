import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import { findNetwork } from '../../chains/networks.ts'

interface Logger {
  warn(obj: object, msg: string): void
}

/**
 * Moves the dev chain's block time with walletd's clock: `evm_increaseTime` on every running dev
 * chain (never on a configured RPC), so the next block's timestamp follows the emulated time. The
 * chain counts whole seconds: the fractions are carried over to the next move. A chain that is not
 * running at the time of the move (starting, restarting) keeps real time.
 */
export function devChainTimeFollower(evm: EvmEndpoints, logger: Logger) {
  let movedMs = 0
  let sentSeconds = 0
  return async (byMs: number): Promise<void> => {
    movedMs += byMs
    const seconds = Math.floor(movedMs / 1000) - sentSeconds
    if (seconds <= 0) return
    sentSeconds += seconds
    const chains = evm.list().filter((c) => c.source === 'dev-chain' && c.rpcUrl !== undefined)
    await Promise.all(
      chains.map(async (chain) => {
        const network = findNetwork(chain.network)
        if (!network) return
        try {
          await evm.rpcFor(network).request('evm_increaseTime', [seconds])
        } catch (err) {
          logger.warn({ err, network: chain.network }, 'could not move the dev chain time with the clock')
        }
      }),
    )
  }
}
