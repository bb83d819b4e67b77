// Evaluates requests with @cloud-copilot/iam-simulate for package
// policytest: reads a JSON array of simulations on stdin, writes a JSON
// array of {decision} or {error} on stdout, in order.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const sims = JSON.parse(readFileSync(0, 'utf8'))
const out = []
for (const sim of sims) {
  const res = await runSimulation(sim, {})
  if (res.resultType === 'error') {
    out.push({ error: JSON.stringify(res.errors) })
  } else {
    out.push({ decision: res.overallResult })
  }
}
process.stdout.write(JSON.stringify(out))
