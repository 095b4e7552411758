/**
 * The profiles every config has (a config's own profile of the same name replaces one):
 * default — local, peers, then every provider in config order (the gateway's behaviour before profiles);
 * local-only — never the cloud; free-first — local, peers, then providers cheapest first;
 * premium — providers dearest first, then local and peers.
 */
export const BUILTIN_PROFILES = ['default', 'local-only', 'free-first', 'premium'] as const
