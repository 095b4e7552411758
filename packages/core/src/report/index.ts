export { renderReport, type ReportInput } from './render.js'
export { TEXT, anchor } from './i18n.js'
export { renderReason, renderAlert, renderAlertGroup, plural } from './text.js'
export { costsSection, reportPrices, type ReportCosts } from './costs-section.js'
