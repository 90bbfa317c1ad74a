import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { AppError, type ErrorCode, errorBody, errorCatalog, notFound } from '../../src/errors.ts'
import { repoRoot } from '../helpers/walletd-process.ts'

describe('AppError and the code catalog', () => {
  it('takes its status from the code', () => {
    for (const [code, entry] of Object.entries(errorCatalog) as [ErrorCode, { status: number }][]) {
      const err = new AppError(code)
      assert.equal(err.status, entry.status)
      assert.equal(err.message, errorCatalog[code].message)
      assert.ok(entry.status >= 400 && entry.status <= 599, code)
    }
  })

  it('renders the wire body with all four fields, details defaulting to {}', () => {
    assert.deepEqual(errorBody('1', new AppError('conflict', 'wallet wa-1 exists')), {
      error: { id: '1', status: 409, message: 'wallet wa-1 exists', details: {} },
    })
    assert.deepEqual(errorBody('2', notFound('wallet', 'wa-9', { orgId: 'or-1' })), {
      error: {
        id: '2',
        status: 404,
        message: 'wallet wa-9 not found',
        details: { id: 'wa-9', orgId: 'or-1' },
      },
    })
  })

  it('says nothing but the id for a 500, whatever message and details it was given', () => {
    const err = new AppError('internal', 'pool exhausted at db-7', { details: { host: 'db-7' } })
    assert.deepEqual(errorBody('3', err), {
      error: { id: '3', status: 500, message: 'Internal server error.', details: {} },
    })
  })

  it('keeps the public message of 501 and 503', () => {
    assert.equal(
      errorBody('4', new AppError('not_implemented', 'The swaps domain …')).error.message,
      'The swaps domain …',
    )
    assert.equal(
      errorBody('5', new AppError('service_unavailable', 'Database is not reachable.')).error.message,
      'Database is not reachable.',
    )
  })

  it('is documented: every status of the catalog has a row in the README status table', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('Statuses, and why:'), readme.indexOf('### Error ids'))
    for (const status of new Set(Object.values(errorCatalog).map((e) => e.status))) {
      assert.match(table, new RegExp(`^\\| [^|]*\\b${status}\\b`, 'm'), `README explains status ${status}`)
    }
  })
})
