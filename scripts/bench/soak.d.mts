// Types for the parts of soak.mjs the tests import.
export function soakWarmupMs (minutes: number): number
