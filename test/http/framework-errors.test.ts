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

describe('body parsing on an existing route', () => {
  it('malformed JSON is a 400 invalid-JSON error naming the parser reason', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: '{"name":',
    })
    const error = assertErrorBody(res, 400)
    assert.match(error.message, /^Request body is not valid JSON: /)
    assert.deepEqual(error.details, { contentLength: 8 })
  })

  it('a prototype-poisoning key is refused as invalid JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: '{"name":"a","__proto__":{"isAdmin":true}}',
    })
    const error = assertErrorBody(res, 400)
    assert.match(error.message, /forbidden prototype property/)
  })

  it('a wrong content type is a 415 naming the type sent', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: { 'content-type': 'text/plain' },
      payload: 'name=a',
    })
    const error = assertErrorBody(res, 415)
    assert.equal(error.message, 'Request bodies must be sent as application/json.')
    assert.deepEqual(error.details, { contentType: 'text/plain' })
  })

  it('a form-encoded body is a 415 too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=a',
    })
    assertErrorBody(res, 415)
  })

  it('a body without any content type is a 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/things/th-1', payload: '{"name":"a"}' })
    const error = assertErrorBody(res, 415)
    assert.deepEqual(error.details, { contentType: '' })
  })

  it('a body larger than the limit is a 413 naming the limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: JSON.stringify({ name: 'a', pad: 'x'.repeat(2000) }),
    })
    const error = assertErrorBody(res, 413)
    assert.equal(error.message, 'Request body is larger than this server accepts.')
    assert.deepEqual(error.details, { limitBytes: 1024 })
  })

  it('the JSON content type with a charset parameter is accepted and the raw bytes are kept', async () => {
    const payload = '{ "name" : "abc" }'
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload,
    })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { ok: true, body: { name: 'abc' }, rawBody: payload })
  })

  it('a JSON body on DELETE is parsed (the SDK sends one)', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/things/th-1',
      headers: json,
      payload: '{"tags":["a"]}',
    })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { deleted: true, body: { tags: ['a'] } })
  })
})

describe('schema validation', () => {
  it('a missing required field names the field and the rule', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/things/th-1', headers: json, payload: '{}' })
    const error = assertErrorBody(res, 400)
    assert.equal(error.message, "Invalid body.name: must have required property 'name'.")
    assert.equal(error.details.field, 'body.name')
    assert.equal(error.details.rule, 'required')
    assert.equal(error.details.location, 'body')
  })

  it('a too-long string names the field and maxLength', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: '{"name":"much-too-long"}',
    })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.field, 'body.name')
    assert.equal(error.details.rule, 'maxLength')
    assert.deepEqual(error.details.params, { limit: 8 })
  })

  it('a nested field is named by its path', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: '{"name":"a","nested":{"amount":"-1"}}',
    })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.field, 'body.nested.amount')
    assert.equal(error.details.rule, 'pattern')
  })

  it('an unknown field is refused and named', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: '{"name":"a","color":"red"}',
    })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.field, 'body.color')
    assert.equal(error.details.rule, 'additionalProperties')
  })

  it('an enum value outside the list is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1',
      headers: json,
      payload: '{"name":"a","kind":"Green"}',
    })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.field, 'body.kind')
    assert.ok(Array.isArray(error.details.errors))
  })

  it('a bad query parameter names the querystring field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/th-1?limit=abc',
      headers: json,
      payload: '{"name":"a"}',
    })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.field, 'querystring.limit')
    assert.equal(error.details.rule, 'type')
  })

  it('a bad path parameter names the params field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/things/nope',
      headers: json,
      payload: '{"name":"a"}',
    })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.field, 'params.thingId')
    assert.equal(error.details.rule, 'pattern')
  })

  it('a missing body on a route with a body schema is a validation error, not a crash', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/things/th-1' })
    const error = assertErrorBody(res, 400)
    assert.equal(error.details.location, 'body')
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
