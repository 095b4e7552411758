/**
 * Code-unit order of two strings (UTF-16, as the default sort): the same on every machine whatever
 * its locale, so every node sorts hosts, models and keys alike. localeCompare follows the process's
 * ICU locale, and its first call pages ~3 MB of ICU's collation data into an agent that then holds
 * it for months.
 */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
