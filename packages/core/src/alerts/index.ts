export * from './schema.js'
export * from './rules.js'
export * from './book.js'
