'use strict'
// The load test's mix (locustfile.py) driven by autocannon: the same people, routes, weights,
// headers and bodies, from a load generator that costs the shared two cores far less CPU per
// request than locust (bench_load.py --driver autocannon; benchmarks/README.md, "Load test").
//
// Every request picks who sends it (applicants 8, client 2, reviewers 2, treasury 1: each
// person paces itself at the same rate in the locust run, so the people's weights are the
// shares of requests), then what (the task weights of locustfile.py), then one of that role's
// signed-in sessions. autocannon keeps the overall rate (``overallRate``) over a pool of
// connections. Latency is measured by autocannon (all requests) and here per request type
// (from building the request to its answer). Any 4xx/5xx answer or socket error is an error.
//
// Usage: node autocannon_mix.js PLAN_JSON URL RATE SECONDS CONNECTIONS > result.json

const fs = require('fs')
const crypto = require('crypto')
const path = require('path')
const autocannon = require('autocannon')

const [planPath, url, rateText, secondsText, connectionsText] = process.argv.slice(2)
const plan = JSON.parse(fs.readFileSync(planPath, 'utf8'))
const host = url.split('://').pop().replace(/\/$/, '')
const SESSION_COOKIE = '__Host-urikake_session'
const CSRF = crypto.randomBytes(16).toString('hex') // an unmasked CSRF secret: cookie = header

function pick (weighted) {
  let total = 0
  for (const [weight] of weighted) total += weight
  let r = Math.random() * total
  for (const [weight, value] of weighted) {
    r -= weight
    if (r < 0) return value
  }
  return weighted[weighted.length - 1][1]
}

const choice = (items) => items[Math.floor(Math.random() * items.length)]

function headers (role, extra) {
  return {
    'X-Forwarded-Proto': 'https',
    Referer: `https://${host}/`,
    Cookie: `${SESSION_COOKIE}=${choice(plan.sessions[role])}; csrftoken=${CSRF}`,
    ...extra
  }
}

function multipart (fields, name, file) {
  const boundary = crypto.randomBytes(16).toString('hex')
  const parts = Object.entries(fields).map(([key, value]) => Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; ` +
    `filename="${path.basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
  parts.push(fs.readFileSync(file))
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` }
}

const statement = multipart({ file_format: 'generic_jp_bank' }, 'statement', plan.files.statement)
const collection = multipart({ file_format: 'zengin' }, 'file', plan.files.collection)
const invoices = [] // registered by the applicants, waiting to be submitted
let numbers = 0

function isoDay (offsetDays) {
  // The server's today is Japan's: the load test runs on the server's machine.
  const day = new Date(Date.now() + 9 * 3600e3 + offsetDays * 86400e3)
  return day.toISOString().slice(0, 10)
}

const get = (role, urlPath, name) => () => ({
  name, method: 'GET', path: urlPath, headers: headers(role)
})

function post (role, urlPath, name, body, type, extra) {
  return {
    name,
    method: 'POST',
    path: urlPath,
    headers: headers(role, { 'X-CSRFToken': CSRF, 'Content-Type': type, ...extra }),
    body
  }
}

const idempotent = () => ({ 'Idempotency-Key': crypto.randomBytes(16).toString('hex') })

const applicant = [
  [40, () => choice([
    get('applicant', '/my/', 'applicant: home'),
    get('applicant', '/my/invoices/', 'applicant: invoices'),
    get('applicant', '/my/applications/', 'applicant: applications'),
    get('applicant', '/my/statements/', 'applicant: statements'),
    get('applicant', '/my/debtors/', 'applicant: debtors')
  ])()],
  [4, () => post('applicant', '/api/receivables/invoices', 'applicant: register invoice (API)',
    JSON.stringify({
      debtor: choice(plan.debtors),
      invoice_number: `LOAD-${process.pid}-${++numbers}-${crypto.randomBytes(3).toString('hex')}`,
      issue_date: isoDay(-5),
      due_date: isoDay(45),
      // within the demo plan's ¥1,000,000 per deal, so submissions are screened
      total_amount: 300000 + 1000 * Math.floor(Math.random() * 700)
    }), 'application/json')],
  [1, () => post('applicant', '/my/statements/', 'applicant: upload bank statement',
    statement.body, statement.type)],
  [1, () => invoices.length
    ? post('applicant', '/api/receivables/applications', 'applicant: submit application (API)',
      JSON.stringify({ product: 'two_party', invoice_ids: [invoices.pop()] }),
      'application/json', idempotent())
    : null] // nothing registered yet: as in locust, this person does something else
]
const client = [[1, () => choice([
  get('client', '/my/', 'client: home'),
  get('client', '/my/treasury/', 'client: treasury'),
  get('client', '/my/contracts/', 'client: contracts'),
  get('client', '/api/treasury/my/payouts', 'client: payouts (API)')
])()]]
const reviewer = [
  [2, get('reviewer', '/backoffice/screening/', 'reviewer: screening queue')],
  [3, () => get('reviewer', `/backoffice/screening/${choice(plan.applications)}/`,
    'reviewer: application detail')()]
]
const treasury = [
  [20, get('treasury', '/backoffice/treasury/deposits/', 'treasury: deposits')],
  [1, () => post('treasury', '/api/treasury/reconciliation/run',
    'treasury: reconciliation run (API)', '', 'application/json', idempotent())],
  [1, () => post('treasury', '/backoffice/treasury/deposits/',
    'treasury: upload collection statement', collection.body, collection.type)]
]
const people = [[8, applicant], [2, client], [2, reviewer], [1, treasury]]

function next () {
  for (;;) {
    const request = pick(pick(people))()
    if (request) return request
  }
}

const routes = new Map()
function route (name) {
  if (!routes.has(name)) routes.set(name, { count: 0, errors: 0, latencies: [] })
  return routes.get(name)
}

autocannon({
  url,
  connections: Number(connectionsText),
  overallRate: Number(rateText),
  duration: Number(secondsText),
  timeout: 30,
  requests: [{
    setupRequest: (request, context) => {
      const chosen = next()
      context.name = chosen.name
      context.started = process.hrtime.bigint()
      const { name, ...http } = chosen
      return { ...request, ...http }
    },
    onResponse: (status, body, context) => {
      const stats = route(context.name)
      stats.count += 1
      stats.latencies.push(Number(process.hrtime.bigint() - context.started) / 1e6)
      if (status >= 400) {
        stats.errors += 1
        if (stats.errors <= 3) {
          process.stderr.write(`${context.name}: HTTP ${status} ${String(body).slice(0, 200)}\n`)
        }
      } else if (context.name === 'applicant: register invoice (API)') {
        invoices.push(JSON.parse(body).id)
      }
    }
  }]
}, (error, result) => {
  if (error) throw error
  const percentile = (sorted, p) => sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]
    : 0
  const summary = (latencies, count, errors) => {
    const sorted = latencies.sort((a, b) => a - b)
    return {
      count,
      errors,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] || 0
    }
  }
  const perRoute = {}
  let all = []
  let errors = 0
  for (const [name, stats] of routes) {
    all = all.concat(stats.latencies)
    errors += stats.errors
    perRoute[name] = summary(stats.latencies, stats.count, stats.errors)
  }
  process.stdout.write(JSON.stringify({
    duration: result.duration,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: result.latency, // autocannon's own histogram (p50, p90, p97_5, p99, max, …)
    all: summary(all, all.length, errors),
    routes: perRoute
  }))
})
