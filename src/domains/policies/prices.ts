/**
 * Where fiat values come from for the amount rules.
 *
 * A static table from config (`WALLETD_PRICES="ETH=3000,BTC=60000"`) is consulted first; when a
 * price URL is configured, symbols missing from the table are fetched from it with a timeout.
 * Every failure (unknown symbol, timeout, non-200, malformed body) yields `undefined`: the amount
 * rules then trigger — fail closed — instead of letting an unpriced transfer through.
 */

/** The part of a wallet request that carries value: `amount` in the asset's smallest unit. */
export interface AssetAmount {
  readonly symbol: string
  readonly decimals: number
  readonly amount: string
}

export interface PriceSource {
  /** USD value of the amount, or undefined when no price is known. */
  usdValue(value: AssetAmount): Promise<number | undefined>
}

export interface PriceSourceOptions {
  /** Symbol → USD price of one whole unit. Symbols are compared case-insensitively. */
  readonly table?: Readonly<Record<string, number>>
  /**
   * Optional remote source. `{symbol}` in the URL is replaced by the upper-case symbol; the
   * response must be JSON `{"usd": <number>}`.
   */
  readonly url?: string
  readonly timeoutMs?: number
  /** How long a fetched price is reused. */
  readonly cacheMs?: number
  /** The network boundary, injectable so tests serve prices without a network. */
  readonly fetch?: typeof fetch
  readonly now?: () => number
}

/** Parses `ETH=3000,BTC=60000.5` (the env form of the static table). */
export function parsePriceTable(raw: string | undefined): Record<string, number> {
  const table: Record<string, number> = {}
  if (!raw) return table
  for (const entry of raw.split(',')) {
    const trimmed = entry.trim()
    if (!trimmed) continue
    const [symbol, price] = trimmed.split('=')
    const value = Number(price)
    if (!symbol || price === undefined || !Number.isFinite(value) || value < 0) {
      throw new Error(`price table entry "${trimmed}" must look like SYMBOL=<non-negative number>`)
    }
    table[symbol.trim().toUpperCase()] = value
  }
  return table
}

/** `amount` (smallest unit, decimal string) × price, without losing the integer part to floats early. */
export function toUsd(value: AssetAmount, price: number): number | undefined {
  if (!/^[0-9]{1,80}$/.test(value.amount) || !Number.isInteger(value.decimals) || value.decimals < 0)
    return undefined
  const units = BigInt(value.amount)
  const scale = 10n ** BigInt(value.decimals)
  const whole = Number(units / scale)
  const fraction = Number(units % scale) / Number(scale)
  return (whole + fraction) * price
}

export function createPriceSource(options: PriceSourceOptions = {}): PriceSource {
  const table = new Map(Object.entries(options.table ?? {}).map(([k, v]) => [k.toUpperCase(), v]))
  const cache = new Map<string, { price: number; until: number }>()
  const fetchImpl = options.fetch ?? globalThis.fetch
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? 2000
  const cacheMs = options.cacheMs ?? 60_000

  async function fetchPrice(symbol: string): Promise<number | undefined> {
    if (!options.url) return undefined
    const cached = cache.get(symbol)
    if (cached && cached.until > now()) return cached.price
    try {
      const response = await fetchImpl(options.url.replaceAll('{symbol}', encodeURIComponent(symbol)), {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      })
      if (!response.ok) return undefined
      const body = (await response.json()) as { usd?: unknown }
      const price =
        typeof body?.usd === 'number' && Number.isFinite(body.usd) && body.usd >= 0 ? body.usd : undefined
      if (price !== undefined) cache.set(symbol, { price, until: now() + cacheMs })
      return price
    } catch {
      return undefined
    }
  }

  return {
    async usdValue(value) {
      const symbol = value.symbol.toUpperCase()
      const price = table.get(symbol) ?? (await fetchPrice(symbol))
      return price === undefined ? undefined : toUsd(value, price)
    },
  }
}
