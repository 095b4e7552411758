/** Commander accumulator for repeatable flags (`--config a --config b`). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value]
