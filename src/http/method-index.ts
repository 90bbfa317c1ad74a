import FindMyWay, { type HTTPMethod } from 'find-my-way'

/**
 * Which methods each registered path answers, so an unknown method on a known path is a 405 with
 * an `Allow` header rather than a 404. Fed by the `onRoute` hook in app.ts.
 */
export class MethodIndex {
  private readonly router = FindMyWay({ ignoreTrailingSlash: false })
  private readonly methods = new Set<HTTPMethod>()

  add(method: string, url: string): void {
    const m = method.toUpperCase() as HTTPMethod
    if (m === 'HEAD') return
    if (this.router.find(m, url) === null) this.router.on(m, url, () => {})
    this.methods.add(m)
  }

  /** The methods `path` answers, for the `Allow` header; fastify serves HEAD wherever GET is. */
  allowed(path: string): string[] {
    const found = [...this.methods].filter((m) => this.router.find(m, path) !== null)
    if (found.includes('GET')) found.push('HEAD')
    return found.sort()
  }
}
