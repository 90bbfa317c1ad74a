/**
 * A real webhook receiver on 127.0.0.1: it verifies every request's signature against the secret
 * (over the raw body, and over `JSON.stringify(JSON.parse(body))` as the Dfns docs' verifier does),
 * answers with the statuses queued by the test (200 once the queue is empty) and hands each
 * request to whoever waits for it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedWebhook {
  readonly headers: http.IncomingHttpHeaders
  readonly rawBody: string
  readonly body: {
    id: string
    kind: string
    date: string
    // biome-ignore lint/suspicious/noExplicitAny: tests read into whatever data the kind carries
    data: Record<string, any>
    timestampSent: number
    deliveryAttempt: number
    retryOf?: string
  }
  /** The signature matched the raw body and the re-serialized body. */
  readonly signatureValid: boolean
  /** What this receiver answered. */
  readonly answeredStatus: number
}

export interface WebhookReceiver {
  readonly url: string
  readonly received: ReceivedWebhook[]
  /** Set once the webhook is created (its secret is shown only then). */
  secret: string
  /** Statuses to answer, in order; 200 once empty; 0 holds the request open without answering. */
  readonly statuses: number[]
  /** Resolves with the first received request (already received or future) matching `match`. */
  waitFor(match: (r: ReceivedWebhook) => boolean): Promise<ReceivedWebhook>
  close(): Promise<void>
}

function verify(secret: string, raw: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false
  const expected = (body: string) => createHmac('sha256', secret).update(body).digest()
  const given = Buffer.from(header.slice('sha256='.length), 'hex')
  const reserialized = JSON.stringify(JSON.parse(raw))
  return [raw, reserialized].every((b) => {
    const want = expected(b)
    return given.length === want.length && timingSafeEqual(given, want)
  })
}

export async function startReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const waiters: { match: (r: ReceivedWebhook) => boolean; resolve: (r: ReceivedWebhook) => void }[] = []
  const statuses: number[] = []
  const receiver: WebhookReceiver = {
    url: '',
    received,
    secret: '',
    statuses,
    waitFor(match) {
      const found = received.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      const status = statuses.shift() ?? 200
      const entry: ReceivedWebhook = {
        headers: req.headers,
        rawBody,
        body: JSON.parse(rawBody),
        signatureValid: verify(receiver.secret, rawBody, req.headers['x-dfns-webhook-signature'] as string),
        answeredStatus: status,
      }
      const deliver = () => {
        received.push(entry)
        for (const waiter of [...waiters]) {
          if (waiter.match(entry)) {
            waiters.splice(waiters.indexOf(waiter), 1)
            waiter.resolve(entry)
          }
        }
      }
      if (status === 0) return deliver()
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end(status === 200 ? 'ok' : `failing on purpose with ${status}`, deliver)
    })
  })
  server.keepAliveTimeout = 1
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(receiver, { url: `http://127.0.0.1:${port}${path}` })
}
