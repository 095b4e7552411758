// libp2p 3 calls Promise.withResolvers, which Node gains only in 22. Imported first by every entry point.
const P = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void } }
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (v: T) => void
    let reject!: (e: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
export {}
