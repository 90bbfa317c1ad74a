import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { findRecordedError } from '../../src/http/error-recorder.ts'
import { assertErrorBody } from '../helpers/error-body.ts'
import { type ContractApp, createContractApp } from './contract-app.ts'

// Framework-level failures on routes that exist: body parsing, content type, size, schema
// validation and unexpected exceptions, each asserted against the whole error body.

let t: ContractApp
before(async () => {
  t = await createContractApp({ bodyLimit: 1024 })
})
after(async () => {
  await t.close()
})

const json = { 'content-type': 'application/json' }

/**
 * One row per framework failure: the request, the status, and what the error body must say
 * (`message` exactly or by pattern, `details` exactly, or only the listed `detail` fields).
 */
interface Case {
  readonly name: string
  readonly request: {
    method?: 'GET' | 'POST' | 'DELETE'
    url?: string
    headers?: Record<string, string>
    payload?: string
  }
  readonly status: number
  readonly message?: string | RegExp
  readonly details?: Record<string, unknown>
  readonly detail?: Record<string, unknown>
}

const post = (payload: string | undefined, headers: Record<string, string> = json, url = '/things/th-1') => ({
  method: 'POST' as const,
  url,
  headers,
  ...(payload === undefined ? {} : { payload }),
})

const cases: Case[] = [
  // --- body parsing on an existing route ---
  {
    name: 'malformed JSON is a 400 invalid-JSON error naming the parser reason',
    request: post('{"name":'),
    status: 400,
    message: /^Request body is not valid JSON: /,
    details: { contentLength: 8 },
  },
  {
    name: 'a prototype-poisoning key is refused as invalid JSON',
    request: post('{"name":"a","__proto__":{"isAdmin":true}}'),
    status: 400,
    message: /forbidden prototype property/,
  },
  {
    name: 'a wrong content type is a 415 naming the type sent',
    request: post('name=a', { 'content-type': 'text/plain' }),
    status: 415,
    message: 'Request bodies must be sent as application/json.',
    details: { contentType: 'text/plain' },
  },
  {
    name: 'a form-encoded body is a 415 too',
    request: post('name=a', { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
    details: { contentType: 'application/x-www-form-urlencoded' },
  },
  {
    name: 'a body without any content type is a 415',
    request: post('{"name":"a"}', {}),
    status: 415,
    details: { contentType: '' },
  },
  {
    name: 'a body larger than the limit is a 413 naming the limit',
    request: post(JSON.stringify({ name: 'a', pad: 'x'.repeat(2000) })),
    status: 413,
    message: 'Request body is larger than this server accepts.',
    details: { limitBytes: 1024 },
  },
  // --- schema validation ---
  {
    name: 'a missing required field names the field and the rule',
    request: post('{}'),
    status: 400,
    message: "Invalid body.name: must have required property 'name'.",
    detail: { field: 'name', rule: 'required', location: 'body' },
  },
  {
    name: 'a too-long string names the field and maxLength',
    request: post('{"name":"much-too-long"}'),
    status: 400,
    detail: { field: 'name', location: 'body', rule: 'maxLength', params: { limit: 8 } },
  },
  {
    name: 'a nested field is named by its path',
    request: post('{"name":"a","nested":{"amount":"-1"}}'),
    status: 400,
    detail: { field: 'nested.amount', rule: 'pattern' },
  },
  {
    name: 'an unknown field is refused and named',
    request: post('{"name":"a","color":"red"}'),
    status: 400,
    detail: { field: 'color', rule: 'additionalProperties' },
  },
  {
    name: 'an enum value outside the list is refused',
    request: post('{"name":"a","kind":"Green"}'),
    status: 400,
    detail: { field: 'kind', location: 'body' },
  },
  {
    name: 'a bad query parameter names the field and the querystring',
    request: post('{"name":"a"}', json, '/things/th-1?limit=abc'),
    status: 400,
    detail: { field: 'limit', location: 'querystring', rule: 'type' },
  },
  {
    name: 'a bad path parameter names the field and the params',
    request: post('{"name":"a"}', json, '/things/nope'),
    status: 400,
    detail: { field: 'thingId', location: 'params', rule: 'pattern' },
  },
  {
    name: 'a missing body on a route with a body schema is a validation error, not a crash',
    request: post(undefined, {}),
    status: 400,
    detail: { location: 'body' },
  },
]

describe('framework failures on an existing route', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const res = await t.app.inject(c.request)
      const error = assertErrorBody(res, c.status)
      if (typeof c.message === 'string') assert.equal(error.message, c.message)
      else if (c.message) assert.match(error.message, c.message)
      if (c.details) assert.deepEqual(error.details, c.details)
      for (const [field, value] of Object.entries(c.detail ?? {})) {
        assert.deepEqual(error.details[field], value, `details.${field}`)
      }
      // A schema failure also lists the failures it found (the first ten).
      if (error.details.rule !== undefined) assert.ok(Array.isArray(error.details.errors), 'details.errors')
    })
  }
})

describe('bodies the parser accepts', () => {
  it('the JSON content type with a charset parameter is accepted and the raw bytes are kept', async () => {
    const payload = '{ "name" : "abc" }'
    const res = await t.app.inject(post(payload, { 'content-type': 'application/json; charset=utf-8' }))
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { ok: true, body: { name: 'abc' }, rawBody: payload })
  })

  it('a JSON body on DELETE is parsed (the SDK sends one)', async () => {
    const res = await t.app.inject({ ...post('{"tags":["a"]}'), method: 'DELETE' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { deleted: true, body: { tags: ['a'] } })
  })
})

describe('unexpected exceptions', () => {
  it('a thrown Error is a 500 carrying only its id; the cause is logged and recorded', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/bug' })
    const error = assertErrorBody(res, 500)
    assert.equal(error.message, 'Internal server error.')
    assert.deepEqual(error.details, {})
    assert.doesNotMatch(res.body, /hunter2/)

    const line = t.logLines.find((l) => l.errorId === error.id)
    assert.ok(line, 'the error is logged with its id')
    assert.equal(line.level, 50)
    assert.equal(line.method, 'GET')
    assert.equal(line.path, '/bug')
    assert.equal(line.status, 500)
    assert.match(JSON.stringify(line.err), /hunter2/)

    await t.recorder.flush()
    const row = await findRecordedError(t.database.db, error.id)
    assert.equal(row?.status, 500)
    assert.equal(row?.code, 'internal')
    assert.match(row?.cause ?? '', /hunter2/)
  })

  it('a thrown non-Error is a 500 too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/bug-not-an-error' })
    const error = assertErrorBody(res, 500)
    assert.deepEqual(error.details, {})
    assert.doesNotMatch(res.body, /a string/)
  })

  it('a 4xx raised by a plugin keeps its status, message and headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/plugin-429' })
    const error = assertErrorBody(res, 429)
    assert.equal(error.message, 'Rate limit exceeded, retry in 1 minute')
    assert.equal(res.headers['retry-after'], '60')
  })

  it('an AppError keeps its message and details; its internal cause is logged, not sent', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/app-error' })
    const error = assertErrorBody(res, 409)
    assert.equal(error.message, 'wallet wa-1 already exists')
    assert.deepEqual(error.details, { duplicate: { id: 'wa-1', externalId: 'x' } })
    assert.doesNotMatch(res.body, /UNIQUE/)
    const line = t.logLines.find((l) => l.errorId === error.id)
    assert.match(JSON.stringify(line?.err), /UNIQUE constraint failed/)
  })

  it('a 503 keeps its public message (it names no internals)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/unavailable' })
    const error = assertErrorBody(res, 503)
    assert.equal(error.message, 'Database is not reachable.')
    assert.doesNotMatch(res.body, /ECONNREFUSED/)
  })

  it('error ids are unique across responses', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++) ids.add(assertErrorBody(await t.app.inject({ url: '/bug' }), 500).id)
    assert.equal(ids.size, 20)
  })
})
