import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectGolden } from '../../../test/support/golden.js'
import { computePlan, loadConfig, renderReport, type HostReport, type Inventory } from '../src/index.js'

const root = join(import.meta.dirname, '../../..')
const read = (p: string): string => readFileSync(join(root, p), 'utf8')
const goldenDir = join(import.meta.dirname, 'golden')
const config = loadConfig([{ path: 'configs/default.yaml', text: read('configs/default.yaml') }, { path: 'configs/roosync/cluster.yaml', text: read('configs/roosync/cluster.yaml') }])
const roosync = (JSON.parse(read('configs/roosync/inventory.json')) as Inventory).hosts


function render (hosts: HostReport[], lang: 'fr' | 'en'): string {
  const plan = computePlan({ hosts, config })
  return renderReport({ hosts, plan, config, lang })
}

// A fleet caught mid-collection: one machine never reported, one is offline, one has only WMI's capped figure.
const partial: HostReport[] = [
  roosync[0]!,
  { ...roosync[3]!, gpus: roosync[3]!.gpus.map(g => ({ ...g, vramBytes: 4095 * 1024 * 1024, vramSource: 'wmi' as const, vramCapped: true, uuid: null, driverVersion: null })) },
  { ...roosync[1]!, online: false, lastSeen: '2026-11-22T09:58:00.000Z' }
]

describe('GPU spec document', () => {
  it.each(['fr', 'en'] as const)('renders the RooSync fleet in %s like the golden file', lang => {
    expectGolden(join(goldenDir, `roosync.${lang}.md`), render(roosync, lang))
  })

  it.each(['fr', 'en'] as const)('renders a fleet mid-collection in %s like the golden file', lang => {
    expectGolden(join(goldenDir, `partial.${lang}.md`), render(partial, lang))
  })

  it('is byte-for-byte identical for the same input, whatever the host order', () => {
    expect(render([...roosync].reverse(), 'fr')).toBe(render(roosync, 'fr'))
  })

  it('shows measured speeds beside the estimates, in both languages', () => {
    const measured = roosync.map(h => (h.hostname === 'myia-ai-01' ? { ...h, measured: [{ model: 'qwen2.5-coder:1.5b', decodeTokensPerSecond: 312.4, promptTokensPerSecond: 2900, measuredAt: '2026-11-22T10:00:00.000Z' }] } : h))
    expect(render(measured, 'en')).toContain('| myia-ai-01 | GPU 1 | qwen2.5-coder:1.5b | 1.8 GiB | ~427 tokens/s | 312 tokens/s |')
    expect(render(measured, 'en')).toContain('- qwen2.5-coder:1.5b on GPU 1 (1.8 GiB, ~427 tokens/s estimated, 312 tokens/s measured)')
    expect(render(measured, 'fr')).toContain('312 tokens/s mesurés')
  })

  it('tells the truth the hand-made document got wrong', () => {
    const fr = render(roosync, 'fr')
    expect(fr).toContain('### myia-po-2026 (Poste)')
    expect(fr).toMatch(/GPU 0 : 16 Gio \(17 Go\) — source : simulée/)
    expect(fr).toContain('**Statut collecte :** 5/5 machines documentées (dont 5 simulées)')
    expect(fr).toContain("myia-ai-01 GPU 0 (NVIDIA GeForce RTX 5060 Ti) : la version CUDA du moteur n'a pas de noyaux sm_120")
    const partialFr = render(partial, 'fr')
    expect(partialFr).toContain('**Statut :** 🟡 En cours de collecte')
    expect(partialFr).toContain('**Statut collecte :** 3/5 machines documentées')
    expect(partialFr).toContain('- myia-po-2024 (en attente de collecte)')
    expect(partialFr).toContain('valeur plafonnée par WMI')
    const partialEn = render(partial, 'en')
    expect(partialEn).toContain('**Collection status:** 3/5 machines documented')
    expect(partialEn).toContain('### myia-po-2023 (Worker, offline)')
  })

  it('speaks of one machine in the singular, and calls the plan term by its name', () => {
    const lone = [roosync[0]!]
    const loneConfig = { ...config, report: { ...config.report, hosts: [] } }
    const plan = computePlan({ hosts: lone, config: loneConfig })
    const fr = renderReport({ hosts: lone, plan, config: loneConfig, lang: 'fr' })
    const en = renderReport({ hosts: lone, plan, config: loneConfig, lang: 'en' })
    expect(fr).toContain('de 1 machine du système')
    expect(fr).toContain('(1 machine)')
    expect(fr).toContain('1/1 machine documentée (dont 1 simulée)')
    expect(en).toContain('1/1 machine documented')
    expect(en).toContain('of the 1 machine of the')
    expect(fr).toContain('**Mandat du plan :** 0')
    expect(en).toContain('**Plan term:** 0')
    expect(fr).not.toContain('Version :')
    expect(fr).toContain('**Capacité de calcul CUDA** :')
  })

  it('renders every planner reason in the document\'s language, with its number formats', () => {
    const fr = render(roosync, 'fr')
    const en = render(roosync, 'en')
    expect(fr).toMatch(/tient sur myia-ai-01 mais n'a pas été retenu \(qualité [\d,]+ ; poids des rôles : code ×3\) — myia-ai-01 : code → glm-4\.7 \(qualité 7\)/)
    expect(en).toMatch(/fits on myia-ai-01 but was not chosen \(quality [\d.]+; role weights: code ×3\) — myia-ai-01: code → glm-4\.7 \(quality 7\)/)
    for (const english of ['needs ', 'not chosen', 'largest eligible', 'VRAM taken', 'source : simulated']) expect(fr).not.toContain(english)
    for (const french of ['nécessite', 'retenu', 'prise par', 'qualité']) expect(en).not.toContain(french)
    expect(fr).toContain('qualité 6,5')
    expect(en).toContain('quality 6.5')
  })
})
