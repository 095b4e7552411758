export { renderReport, type ReportInput } from './render.js'
export { TEXT, anchor } from './i18n.js'
export { costsSection, type ReportCosts } from './costs-section.js'
