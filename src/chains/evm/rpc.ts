import { createPublicClient, custom, type PublicClient } from 'viem'

/**
 * A JSON-RPC endpoint list with failover. The URLs come from a function so a supervised dev chain
 * that restarts on another port is followed without rebuilding the client.
 *
 * Failover rule: a transport failure (connection refused, timeout, HTTP 5xx/429, a body that is not
 * JSON-RPC) moves to the next URL; a JSON-RPC error answer (`{"error":…}`, e.g. "nonce too low",
 * "execution reverted") is the chain's verdict and is thrown to the caller as is.
 */
export interface RpcEndpoints {
  urls(): Promise<readonly string[]>
}

export class RpcUnavailableError extends Error {
  override name = 'RpcUnavailableError'
}

/** A JSON-RPC error returned by the node (the request reached the chain and was refused). */
export class RpcResponseError extends Error {
  override name = 'RpcResponseError'
  constructor(
    message: string,
    readonly code: number,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

export interface EvmRpc {
  request<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>
  /** viem's typed reads over the same failover transport. */
  readonly client: PublicClient
}

let rpcId = 0

export function createEvmRpc(endpoints: RpcEndpoints, options: { timeoutMs?: number } = {}): EvmRpc {
  const timeoutMs = options.timeoutMs ?? 10_000
  async function request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
    const urls = await endpoints.urls()
    if (urls.length === 0) throw new RpcUnavailableError('no RPC URL is configured for this network')
    let lastError: unknown
    for (const url of urls) {
      let response: Response
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (err) {
        lastError = err
        continue
      }
      if (response.status >= 500 || response.status === 429) {
        lastError = new Error(`HTTP ${response.status}`)
        await response.body?.cancel()
        continue
      }
      let body: { result?: unknown; error?: { code?: number; message?: string; data?: unknown } }
      try {
        body = (await response.json()) as typeof body
      } catch (err) {
        lastError = err
        continue
      }
      if (body.error) {
        throw new RpcResponseError(
          String(body.error.message ?? 'JSON-RPC error'),
          Number(body.error.code ?? 0),
          body.error.data,
        )
      }
      if (!('result' in body)) {
        lastError = new Error('response has neither result nor error')
        continue
      }
      return body.result as T
    }
    throw new RpcUnavailableError(
      `every RPC endpoint failed (${urls.length}); last error: ${(lastError as Error)?.message ?? lastError}`,
    )
  }
  const client = createPublicClient({
    transport: custom(
      { request: ({ method, params }) => request(method, params as unknown[]) },
      { retryCount: 0 },
    ),
  }) as PublicClient
  return { request, client }
}
