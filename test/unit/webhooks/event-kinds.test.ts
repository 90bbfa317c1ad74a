import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import { webhookEventKinds } from '../../../src/domains/webhooks/schemas.ts'

describe('webhook event kinds', () => {
  it('are exactly the SDK’s list', () => {
    const types = fs.readFileSync('node_modules/@dfns/sdk/generated/webhooks/types.d.ts', 'utf8')
    const union = /export type GetWebhookEventResponse = \{[\s\S]*?kind: ([^;]+);/.exec(types)?.[1]
    assert.ok(union, 'the SDK still declares GetWebhookEventResponse.kind')
    const sdkKinds = [...union.matchAll(/"([^"]+)"/g)].map((m) => m[1])
    assert.deepEqual([...webhookEventKinds].sort(), sdkKinds.sort())
  })
})
