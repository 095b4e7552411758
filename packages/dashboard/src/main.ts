import './style.css'
import { initialLang, t, type Lang } from './i18n.js'
import { LiveConnection, storeToken } from './connection.js'
import { emptyState, logConnection, reduce, type ViewState } from './state.js'
import { mountCosts } from './costs.js'
import { alertsSection, eventsSection, header, hostsSection, planSection, type Connection, type Range } from './view.js'

const LANG_KEY = 'gpufleet.lang'
const RANGE_KEY = 'gpufleet.range'
let lang: Lang = initialLang(localStorage.getItem(LANG_KEY), navigator.language)
let state: ViewState = emptyState()
let conn: Connection = 'connecting'
let everConnected = false
let frame: number | null = null
let range: Range = localStorage.getItem(RANGE_KEY) === '24h' ? '24h' : '1h'

const $ = (id: string): HTMLElement => document.getElementById(id)!

/** Renders at most once per animation frame, however many events arrived. */
function schedule (): void {
  if (frame !== null) return
  frame = requestAnimationFrame(() => {
    frame = null
    document.documentElement.lang = lang
    document.title = t(lang, 'title')
    put('top', header(state, lang, conn))
    put('alerts', alertsSection(state, lang))
    put('hosts', hostsSection(state, lang, range))
    put('plan', planSection(state, lang))
    put('events', eventsSection(state, lang))
    costs.paint()
  })
}

/**
 * Replaces a section only when its HTML changed: hosts update every heartbeat, and rebuilding the
 * header's button under the pointer would swallow clicks (mousedown and mouseup on different nodes).
 */
const rendered = new Map<string, string>()
function put (id: string, html: string): void {
  if (rendered.get(id) === html) return
  rendered.set(id, html)
  $(id).innerHTML = html
}

function showTokenForm (wrong: boolean): void {
  const dialog = $('token')
  dialog.hidden = false
  $('token-title').textContent = t(lang, 'tokenTitle')
  $('token-help').textContent = t(lang, 'tokenHelp')
  $('token-error').textContent = wrong ? t(lang, 'tokenWrong') : ''
  ;($('token-submit') as HTMLButtonElement).textContent = t(lang, 'tokenSubmit')
  ;($('token-input') as HTMLInputElement).focus()
}

const connection = new LiveConnection({
  message: msg => { state = reduce(state, msg); schedule() },
  state: next => {
    const now = new Date().toISOString()
    if (next === 'connected') { state = logConnection(state, now, 'connectionBack'); everConnected = true }
    if (next === 'disconnected' && conn === 'connected' && everConnected) state = logConnection(state, now, 'connectionLost')
    conn = next
    schedule()
  },
  needToken: showTokenForm
})

$('token-form').addEventListener('submit', ev => {
  ev.preventDefault()
  const value = ($('token-input') as HTMLInputElement).value.trim()
  if (value === '') return
  storeToken(value)
  $('token').hidden = true
  connection.reconnect()
})

document.addEventListener('click', ev => {
  const target = ev.target as HTMLElement
  const rangeButton = target.closest<HTMLElement>('[data-action="range"]')
  if (rangeButton !== null) {
    range = rangeButton.dataset.range === '24h' ? '24h' : '1h'
    localStorage.setItem(RANGE_KEY, range)
    schedule()
    return
  }
  if (target.closest('[data-action="lang"]') === null) return
  lang = lang === 'fr' ? 'en' : 'fr'
  localStorage.setItem(LANG_KEY, lang)
  schedule()
})

const costs = mountCosts($('costs'), () => lang, () => [...state.alerts.values()])
schedule()
connection.start()
