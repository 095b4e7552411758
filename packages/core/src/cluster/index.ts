export * from './messages.js'
export * from './inventory.js'
export * from './election.js'
export * from './fencing.js'
