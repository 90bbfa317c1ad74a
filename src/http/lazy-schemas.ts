import ajvCompiler from '@fastify/ajv-compiler'
import fastJsonStringifyCompiler from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

/**
 * Fastify's own schema compilers (Ajv for validation, fast-json-stringify for responses), made lazy:
 * a route's validators and serializers are compiled on its first request, or by `warmUp()` in the
 * background once walletd listens, whichever comes first.
 *
 * Why: fastify compiles every schema of every route inside `ready()`. With the whole Dfns API
 * registered that was most of the time between `walletd start` and the first answered request
 * (BENCHMARKS.md), and the target is under a second. Behaviour is unchanged: the same compilers
 * with the same options produce the same functions, only later. Two consequences to know:
 * - a schema Ajv rejects fails on first use or at warm-up (logged), not at start-up; the route
 *   tests exercise every schema, so CI still catches it;
 * - fastify treats a custom compiler as opaque and does not lower-case header schemas for it:
 *   name headers in lower case in `schema.headers`.
 */
export interface LazySchemaCompilers {
  /** For `Fastify({ schemaController: { compilersFactory } })`. */
  readonly compilersFactory: CompilersFactory
  /** How many schemas are still waiting to be compiled. */
  pending(): number
  /** Compile what is still waiting, one schema per event-loop turn so requests keep flowing. */
  warmUp(onError: (err: unknown) => void): Promise<void>
}

type AnyFunction = (...args: unknown[]) => unknown
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

// Fastify's default compilers: dependencies of walletd with the same version ranges as fastify's,
// so npm installs the one copy both use. Imported (not required from fastify's folder) so that
// bin/walletd.js bundles them with the rest instead of Node loading Ajv file by file at start.
export function lazySchemaCompilers(): LazySchemaCompilers {
  const waiting = new Set<() => AnyFunction>()
  const buildValidatorEagerly = (ajvCompiler as unknown as () => AnyFunction)()
  const buildSerializerEagerly = (fastJsonStringifyCompiler as unknown as () => AnyFunction)()

  const deferred = (compile: () => AnyFunction): (() => AnyFunction) => {
    let compiled: AnyFunction | undefined
    const ensure = () => {
      if (!compiled) {
        waiting.delete(ensure)
        compiled = compile()
      }
      return compiled
    }
    waiting.add(ensure)
    return ensure
  }

  const compilersFactory = {
    // The compiler of a set of shared schemas (an Ajv instance: it compiles the meta-schema and
    // adds every shared schema) is made on first use too; made in `ready()`, it was most of it.
    buildValidator(externalSchemas: unknown, options: unknown) {
      let build: ((definition: unknown) => AnyFunction) | undefined
      return (definition: unknown) => {
        const ensure = deferred(() => {
          build ??= buildValidatorEagerly(externalSchemas, options) as (definition: unknown) => AnyFunction
          return build(definition)
        })
        // Fastify reads `errors` off the validator after a failed call, as Ajv sets it.
        const validate = (data: unknown) => {
          const ajvValidate = ensure() as AnyFunction & { errors?: unknown }
          const valid = ajvValidate(data)
          validate.errors = ajvValidate.errors
          return valid
        }
        validate.errors = null as unknown
        return validate
      }
    },
    buildSerializer(externalSchemas: unknown, options: unknown) {
      let build: ((definition: unknown) => AnyFunction) | undefined
      return (definition: unknown) => {
        const ensure = deferred(() => {
          build ??= buildSerializerEagerly(externalSchemas, options) as (definition: unknown) => AnyFunction
          return build(definition)
        })
        return (data: unknown) => ensure()(data)
      }
    },
  }

  return {
    compilersFactory: compilersFactory as unknown as CompilersFactory,
    pending: () => waiting.size,
    async warmUp(onError) {
      for (const ensure of [...waiting]) {
        await new Promise((resolve) => setImmediate(resolve))
        try {
          ensure()
        } catch (err) {
          onError(err)
        }
      }
    },
  }
}
