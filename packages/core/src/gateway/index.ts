export * from './targets.js'
export * from './breaker.js'
