import type { Alert } from '@gpufleet/core'

export type Lang = 'fr' | 'en'

const en = {
  title: 'gpufleet — fleet dashboard',
  connected: 'live', connecting: 'connecting…', disconnected: 'reconnecting…',
  thisNode: 'this node', leader: 'leader', noLeader: 'no leader', term: 'term', openLeader: 'open the leader’s dashboard',
  hosts: 'Hosts', online: 'online', offline: 'offline', coordinator: 'coordinator', worker: 'worker', simulated: 'simulated',
  lastSeen: 'last seen', cpuOnly: 'no GPU', gpus: 'GPUs', ram: 'RAM',
  vramOurs: 'our models', vramOthers: 'other programs', vramReserve: 'reserve', vramFree: 'free',
  util: 'utilization', temp: 'temperature', power: 'power', excluded: 'excluded',
  plan: 'Plan', noPlan: 'no plan yet', assignments: 'Models on GPUs', model: 'model', host: 'host', gpu: 'GPU', vram: 'VRAM', speed: 'est. speed',
  routes: 'Routes', role: 'role', target: 'target', unplaced: 'Not placed', reason: 'reason', exclusions: 'Excluded GPUs',
  alerts: 'Alerts', noAlerts: 'no active alert', since: 'since',
  events: 'Events', noEvents: 'nothing yet',
  tokenTitle: 'This agent needs its API token', tokenHelp: 'The token is api.token in the node’s gpufleet.yaml. It is kept for this browser session only.', tokenSubmit: 'Connect', tokenWrong: 'wrong token',
  hostJoined: '{host} joined', hostLeft: '{host} went offline', hostForgotten: '{host} forgotten (removed from the fleet)', leaderChanged: 'leader: {leader} (term {term})', planChanged: 'new plan (term {term}, {assignments} assignments)',
  alertRaised: 'alert', alertCleared: 'cleared', connectionLost: 'connection to the agent lost', connectionBack: 'connected to the agent',
  kind_local: 'local', kind_peer: 'peer', kind_cloud: 'cloud', kind_none: 'none',
  pl_queued: 'queued', pl_pulling: 'pulling', pl_loading: 'loading', pl_ready: 'ready', pl_failed: 'failed', attempt: 'attempt',
  rule_vram: '{where}: VRAM used {value} (threshold {threshold})',
  rule_temp: '{where}: {value} °C (threshold {threshold} °C)',
  rule_idle: '{where}: {value} % utilization with models assigned',
  rule_offline: '{host} is offline',
  rule_excluded: '{where} excluded from placement',
  rule_unplaced: '{model} is not placed',
  rule_latency: '{host}: local inference {value} ms to first byte at p95 (threshold {threshold} ms)',
  rule_disk: '{host} cannot write its data directory (full or read-only disk): running from memory'
}
type Dict = typeof en

const fr: Dict = {
  title: 'gpufleet — tableau de bord de la flotte',
  connected: 'en direct', connecting: 'connexion…', disconnected: 'reconnexion…',
  thisNode: 'ce nœud', leader: 'leader', noLeader: 'aucun leader', term: 'mandat', openLeader: 'ouvrir le tableau de bord du leader',
  hosts: 'Machines', online: 'en ligne', offline: 'hors ligne', coordinator: 'coordinateur', worker: 'worker', simulated: 'simulée',
  lastSeen: 'vue', cpuOnly: 'pas de GPU', gpus: 'GPU', ram: 'RAM',
  vramOurs: 'nos modèles', vramOthers: 'autres programmes', vramReserve: 'réserve', vramFree: 'libre',
  util: 'utilisation', temp: 'température', power: 'puissance', excluded: 'exclu',
  plan: 'Plan', noPlan: 'pas encore de plan', assignments: 'Modèles sur les GPU', model: 'modèle', host: 'machine', gpu: 'GPU', vram: 'VRAM', speed: 'vitesse est.',
  routes: 'Routes', role: 'rôle', target: 'cible', unplaced: 'Non placés', reason: 'raison', exclusions: 'GPU exclus',
  alerts: 'Alertes', noAlerts: 'aucune alerte active', since: 'depuis',
  events: 'Événements', noEvents: 'rien pour l’instant',
  tokenTitle: 'Cet agent demande son jeton d’API', tokenHelp: 'Le jeton est api.token dans le gpufleet.yaml du nœud. Il est gardé pour cette session du navigateur seulement.', tokenSubmit: 'Se connecter', tokenWrong: 'jeton incorrect',
  hostJoined: '{host} a rejoint la flotte', hostLeft: '{host} est hors ligne', hostForgotten: '{host} oublié (retiré de la flotte)', leaderChanged: 'leader : {leader} (mandat {term})', planChanged: 'nouveau plan (mandat {term}, {assignments} affectations)',
  alertRaised: 'alerte', alertCleared: 'levée', connectionLost: 'connexion à l’agent perdue', connectionBack: 'connecté à l’agent',
  kind_local: 'local', kind_peer: 'pair', kind_cloud: 'cloud', kind_none: 'aucune',
  pl_queued: 'en attente', pl_pulling: 'téléchargement', pl_loading: 'chargement', pl_ready: 'prêt', pl_failed: 'échec', attempt: 'tentative',
  rule_vram: '{where} : VRAM utilisée {value} (seuil {threshold})',
  rule_temp: '{where} : {value} °C (seuil {threshold} °C)',
  rule_idle: '{where} : {value} % d’utilisation avec des modèles affectés',
  rule_offline: '{host} est hors ligne',
  rule_excluded: '{where} exclu du placement',
  rule_unplaced: '{model} n’est pas placé',
  rule_latency: '{host} : inférence locale en {value} ms jusqu’au premier octet au p95 (seuil {threshold} ms)',
  rule_disk: '{host} ne peut plus écrire dans son dossier de données (disque plein ou en lecture seule) : il continue en mémoire'
}

export type TextKey = keyof Dict
const dicts: Record<Lang, Dict> = { en, fr }

export function t (lang: Lang, key: TextKey, args: Record<string, string | number> = {}): string {
  return dicts[lang][key].replace(/\{(\w+)\}/g, (_m, name: string) => String(args[name] ?? ''))
}

export function formatBytes (lang: Lang, bytes: number): string {
  const gib = bytes / 1024 ** 3
  const n = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-US', { maximumFractionDigits: gib >= 10 ? 0 : 1 }).format(gib)
  return lang === 'fr' ? `${n} Gio` : `${n} GiB`
}

/** An alert in the page's language, from its fields (the agent's `message` is English, for logs). */
export function alertText (lang: Lang, a: Alert): string {
  const where = a.gpu === null ? (a.host ?? '') : `${a.host ?? ''} GPU ${a.gpu}`
  const args = { where, host: a.host ?? '', model: a.model ?? '', value: a.value ?? '', threshold: a.threshold ?? '' }
  switch (a.rule) {
    case 'vram-high': return t(lang, 'rule_vram', { ...args, value: formatBytes(lang, a.value ?? 0), threshold: formatBytes(lang, a.threshold ?? 0) })
    case 'temperature-high': return t(lang, 'rule_temp', args)
    case 'gpu-idle': return t(lang, 'rule_idle', args)
    case 'host-offline': return t(lang, 'rule_offline', args)
    case 'gpu-excluded': return `${t(lang, 'rule_excluded', args)} — ${a.message.replace(/^.*excluded: /, '')}`
    case 'latency-high': return t(lang, 'rule_latency', args)
    case 'disk-unwritable': return t(lang, 'rule_disk', args)
    case 'model-unplaced': return `${t(lang, 'rule_unplaced', args)} — ${a.message.replace(/^.* is not placed: /, '')}`
  }
}

export function initialLang (stored: string | null, browser: string): Lang {
  if (stored === 'fr' || stored === 'en') return stored
  return browser.toLowerCase().startsWith('fr') ? 'fr' : 'en'
}
