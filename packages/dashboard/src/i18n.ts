import { formatBytes as coreFormatBytes, formatNumber } from '@gpufleet/core/text'

export type Lang = 'fr' | 'en'

const en = {
  title: 'gpufleet — fleet dashboard',
  connected: 'live', connecting: 'connecting…', disconnected: 'reconnecting…',
  thisNode: 'this node', leader: 'leader', noLeader: 'no leader', term: 'term', openLeader: 'open the leader’s dashboard',
  specDoc: 'GPU spec document', specDocWritten: 'the leader writes it to', specDocHere: 'written to',
  hosts: 'Hosts', noHosts: 'no host yet: this node has not heard from any agent (itself included) so far', online: 'online', offline: 'offline', coordinator: 'coordinator', worker: 'worker', simulated: 'simulated',
  lastSeen: 'last seen', cpuOnly: 'no GPU: this host sends every role to a peer or the cloud', gpus: 'GPUs', ram: 'RAM',
  vramOurs: 'gpufleet models', vramOthers: 'other programs', vramPlanned: 'planned, not loaded yet', vramReserve: 'reserve', vramFree: 'free',
  util: 'utilization', temp: 'temperature', power: 'power', vramChart: 'VRAM used', excluded: 'excluded', noReadings: 'no readings yet',
  range1h: '1 h', range24h: '24 h', rangeLabel: 'charts over',
  ollama: 'Ollama', ollamaUp: 'reachable', ollamaDown: 'not reachable', ollamaSimulated: 'simulated host: no Ollama', ollamaVersion: 'version {version}',
  plan: 'Plan', noPlan: 'no plan yet: the leader publishes one once it is elected and knows the inventory', assignments: 'Models on GPUs', model: 'model', host: 'host', gpu: 'GPU', vram: 'VRAM', speed: 'est. speed',
  noAssignments: 'no model placed on a GPU: see “Not placed” below for why',
  routes: 'Routes', role: 'role', target: 'target', unplaced: 'Not placed', reason: 'reason', exclusions: 'Excluded GPUs',
  alerts: 'Alerts', noAlerts: 'no active alert', since: 'since', sev_critical: 'critical', sev_warning: 'warning', sev_info: 'info',
  events: 'Events', noEvents: 'nothing yet: hosts joining or leaving, plans and alerts will show here',
  tokenTitle: 'This agent needs its API token', tokenHelp: 'The token is api.token in the node’s gpufleet.yaml. It is kept for this browser session only.', tokenSubmit: 'Connect', tokenWrong: 'wrong token',
  hostJoined: '{host} joined', hostLeft: '{host} went offline', hostForgotten: '{host} forgotten (removed from the fleet)', leaderChanged: 'leader: {leader} (term {term})', planChanged: 'new plan (term {term}, {assignments} assignments)',
  alertRaised: 'alert', alertCleared: 'cleared', connectionLost: 'connection to the agent lost', connectionBack: 'connected to the agent',
  kind_local: 'local', kind_peer: 'peer', kind_cloud: 'cloud', kind_none: 'none',
  pl_queued: 'queued', pl_pulling: 'pulling', pl_loading: 'loading', pl_ready: 'ready', pl_failed: 'failed', attempt: 'attempt'
}
type Dict = typeof en

const fr: Dict = {
  title: 'gpufleet — tableau de bord de la flotte',
  connected: 'en direct', connecting: 'connexion…', disconnected: 'reconnexion…',
  thisNode: 'ce nœud', leader: 'leader', noLeader: 'aucun leader', term: 'mandat', openLeader: 'ouvrir le tableau de bord du leader',
  specDoc: 'Document des specs GPU', specDocWritten: 'le leader l’écrit dans', specDocHere: 'écrit dans',
  hosts: 'Machines', noHosts: 'aucune machine pour l’instant : ce nœud n’a encore reçu aucun agent (pas même le sien)', online: 'en ligne', offline: 'hors ligne', coordinator: 'coordinateur', worker: 'poste', simulated: 'simulée',
  lastSeen: 'vue', cpuOnly: 'pas de GPU : cette machine envoie chaque rôle à un pair ou au cloud', gpus: 'GPU', ram: 'RAM',
  vramOurs: 'modèles gpufleet', vramOthers: 'autres programmes', vramPlanned: 'prévu, pas encore chargé', vramReserve: 'réserve', vramFree: 'libre',
  util: 'utilisation', temp: 'température', power: 'puissance', vramChart: 'VRAM utilisée', excluded: 'exclu', noReadings: 'pas encore de mesures',
  range1h: '1 h', range24h: '24 h', rangeLabel: 'graphiques sur',
  ollama: 'Ollama', ollamaUp: 'joignable', ollamaDown: 'injoignable', ollamaSimulated: 'machine simulée : pas d’Ollama', ollamaVersion: 'version {version}',
  plan: 'Plan', noPlan: 'pas encore de plan : le leader en publie un dès qu’il est élu et connaît l’inventaire', assignments: 'Modèles sur les GPU', model: 'modèle', host: 'machine', gpu: 'GPU', vram: 'VRAM', speed: 'vitesse est.',
  noAssignments: 'aucun modèle placé sur un GPU : voir « Non placés » ci-dessous pour la raison',
  routes: 'Routes', role: 'rôle', target: 'cible', unplaced: 'Non placés', reason: 'raison', exclusions: 'GPU exclus',
  alerts: 'Alertes', noAlerts: 'aucune alerte active', since: 'depuis', sev_critical: 'critique', sev_warning: 'avertissement', sev_info: 'info',
  events: 'Événements', noEvents: 'rien pour l’instant : arrivées et départs de machines, plans et alertes s’afficheront ici',
  tokenTitle: 'Cet agent demande son jeton d’API', tokenHelp: 'Le jeton est api.token dans le gpufleet.yaml du nœud. Il est gardé pour cette session du navigateur seulement.', tokenSubmit: 'Se connecter', tokenWrong: 'jeton incorrect',
  hostJoined: '{host} a rejoint la flotte', hostLeft: '{host} est hors ligne', hostForgotten: '{host} oublié (retiré de la flotte)', leaderChanged: 'leader : {leader} (mandat {term})', planChanged: 'nouveau plan (mandat {term}, {assignments} affectations)',
  alertRaised: 'alerte', alertCleared: 'levée', connectionLost: 'connexion à l’agent perdue', connectionBack: 'connecté à l’agent',
  kind_local: 'local', kind_peer: 'pair', kind_cloud: 'cloud', kind_none: 'aucune',
  pl_queued: 'en attente', pl_pulling: 'téléchargement', pl_loading: 'chargement', pl_ready: 'prêt', pl_failed: 'échec', attempt: 'tentative'
}

export type TextKey = keyof Dict
const dicts: Record<Lang, Dict> = { en, fr }

export function t (lang: Lang, key: TextKey, args: Record<string, string | number> = {}): string {
  return dicts[lang][key].replace(/\{(\w+)\}/g, (_m, name: string) => String(args[name] ?? ''))
}

/** Sizes as the core formats them everywhere: "1,5 Gio" / "1.5 GiB". */
export function formatBytes (lang: Lang, bytes: number): string {
  return coreFormatBytes(bytes, { lang })
}

/** A reading with its unit in the page's language: "29,9 W" / "29.9 W". */
export function formatReading (lang: Lang, value: number, unit: string, digits = 1): string {
  return `${formatNumber(value, lang, digits)}${unit === '' ? '' : `\u00a0${unit}`}`
}

export function initialLang (stored: string | null, browser: string): Lang {
  if (stored === 'fr' || stored === 'en') return stored
  return browser.toLowerCase().startsWith('fr') ? 'fr' : 'en'
}
