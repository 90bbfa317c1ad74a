import assert from 'node:assert/strict'
import net from 'node:net'

/** What every walletd error response must look like, whatever raised it. */
export interface ErrorResponseLike {
  readonly statusCode: number
  readonly headers: Record<string, string | string[] | number | undefined>
  readonly body: string
}

export interface ContractError {
  id: string
  status: number
  message: string
  details: Record<string, unknown>
}

/**
 * Asserts the whole error contract: the status, a JSON content type, and a body that is exactly
 * `{"error":{"id","status","message","details"}}` with a decimal error id. Returns the error for
 * further checks on its message and details.
 */
export function assertErrorBody(res: ErrorResponseLike, status: number): ContractError {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`)
  assert.match(String(res.headers['content-type']), /^application\/json\b/)
  const body = JSON.parse(res.body) as { error: ContractError }
  assert.deepEqual(Object.keys(body), ['error'])
  assert.deepEqual(Object.keys(body.error).sort(), ['details', 'id', 'message', 'status'])
  assert.match(body.error.id, /^\d{15,19}$/)
  assert.equal(body.error.status, status)
  assert.equal(typeof body.error.message, 'string')
  assert.ok(body.error.message.length > 0)
  assert.equal(typeof body.error.details, 'object')
  assert.notEqual(body.error.details, null)
  assert.ok(!Array.isArray(body.error.details))
  return body.error
}

export interface RawResponse extends ErrorResponseLike {
  readonly statusLine: string
}

/**
 * Sends bytes over a plain TCP connection and parses the one response: for requests no HTTP client
 * will send (oversized headers, bad percent-encoding, garbage) but a server must still answer.
 */
export function rawRequest(port: number, bytes: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes))
    const chunks: Buffer[] = []
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const split = text.indexOf('\r\n\r\n')
      if (split === -1) {
        reject(new Error(`no complete HTTP response: ${JSON.stringify(text.slice(0, 200))}`))
        return
      }
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of headerLines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      const statusCode = Number(statusLine.split(' ')[1])
      resolve({ statusLine, statusCode, headers, body: text.slice(split + 4) })
    })
  })
}
