export * from './targets.js'
export * from './breaker.js'
export * from './model-map.js'
export * from './route-document.js'
