// Drives clinsafe's FHIR server with a FHIR client library (fhir-kit-client),
// for TestFHIRClientLibrary. Each step is a named function in steps; add a
// step (an export, say) by adding one. Every response the library returns
// is printed as {"step", "resource"} on its own line for the test to
// validate against the R4 schema; each step's result as {"step", "result"}.
import { Client } from 'fhir-kit-client';

const base = process.env.FHIR_BASE;
const token = process.env.FHIR_TOKEN;
const incident = (text) => {
  const r = JSON.parse(process.env.FHIR_INCIDENT);
  r.event.text = text;
  return r;
};
const client = new Client({ baseUrl: base, bearerToken: token });

function out(step, key, value) {
  process.stdout.write(JSON.stringify({ step, [key]: value }) + '\n');
}

const steps = {
  async metadata() {
    const cs = await client.capabilityStatement();
    out('metadata', 'resource', cs);
    return { fhirVersion: cs.fhirVersion, types: cs.rest[0].resource.map((r) => r.type) };
  },
  async create() {
    const ae = await client.create({ resourceType: 'AdverseEvent', body: incident('Created by the client library') });
    out('create', 'resource', ae);
    steps.created = ae.id;
    return { id: ae.id, versionId: ae.meta.versionId };
  },
  async read() {
    const ae = await client.read({ resourceType: 'AdverseEvent', id: steps.created });
    out('read', 'resource', ae);
    return { id: ae.id, text: ae.event.text };
  },
  async searchWithPaging() {
    for (let i = 0; i < 4; i++) {
      out('searchWithPaging', 'resource', await client.create({ resourceType: 'AdverseEvent', body: incident('Paged ' + i) }));
    }
    const ids = [];
    let pages = 0;
    let bundle = await client.search({ resourceType: 'AdverseEvent', searchParams: { _count: 2, event: '1' } });
    while (bundle) {
      out('searchWithPaging', 'resource', bundle);
      pages++;
      for (const e of bundle.entry || []) ids.push(e.resource.id);
      bundle = await client.nextPage({ bundle });
    }
    return { pages, ids, unique: new Set(ids).size };
  },
  async transaction() {
    const body = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: incident('Transaction one'), request: { method: 'POST', url: 'AdverseEvent' } },
        { resource: incident('Transaction two'), request: { method: 'POST', url: 'AdverseEvent' } },
      ],
    };
    const res = await client.transaction({ body });
    out('transaction', 'resource', res);
    return { type: res.type, statuses: res.entry.map((e) => e.response.status) };
  },
  async conditionalCreate() {
    const body = incident('Conditional');
    body.identifier = { system: 'https://epr.example/ids', value: 'KIT-1' };
    const headers = { 'If-None-Exist': 'identifier=https://epr.example/ids|KIT-1' };
    const first = await client.create({ resourceType: 'AdverseEvent', body, options: { headers } });
    const second = await client.create({ resourceType: 'AdverseEvent', body, options: { headers } });
    out('conditionalCreate', 'resource', first);
    out('conditionalCreate', 'resource', second);
    return { first: first.id, second: second.id };
  },
  async refused() {
    try {
      await client.create({ resourceType: 'AdverseEvent', body: { resourceType: 'AdverseEvent', colour: 'red' } });
      return { status: 0 };
    } catch (err) {
      const r = err.response || {};
      out('refused', 'resource', r.data);
      return { status: r.status, expression: r.data.issue[0].expression };
    }
  },
};

for (const name of ['metadata', 'create', 'read', 'searchWithPaging', 'transaction', 'conditionalCreate', 'refused']) {
  try {
    out(name, 'result', await steps[name]());
  } catch (err) {
    const r = err.response || {};
    out(name, 'result', { error: String(err), status: r.status, data: r.data });
    process.exitCode = 1;
  }
}
