type Plain = Record<string, unknown>
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Layers config documents: later ones override earlier ones key by key, recursively; a list
 * replaces a list whole (so a node file can swap the catalog without merging entries).
 */
export function mergeConfigs (...layers: unknown[]): Plain {
  let result: Plain = {}
  for (const layer of layers) {
    if (layer === undefined || layer === null) continue
    result = mergeTwo(result, layer as Plain)
  }
  return result
}

function mergeTwo (base: Plain, over: Plain): Plain {
  const out: Plain = { ...base }
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlain(value) && isPlain(base[key]) ? mergeTwo(base[key], value) : value
  }
  return out
}
