import { expect } from 'chai';
import { DefinitionsError, loadDefinitions, type Definitions } from '../../src/observability/definitions.js';
import { EditedDefinitions } from './support.js';

const NAMES = { service_name: 'cruddur-backend', xray_name: 'backend-flask', log_group: 'cruddur-prod' };

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof DefinitionsError) return error.problems;
    throw error;
  }
  throw new Error('expected the definitions to be rejected');
}

describe('observability definitions', function () {
  let shipped: Definitions;
  const edited: EditedDefinitions[] = [];
  before(() => {
    shipped = loadDefinitions(NAMES);
  });
  after(() => {
    for (const copy of edited) copy.remove();
  });

  function copy(): EditedDefinitions {
    const definitions = new EditedDefinitions();
    edited.push(definitions);
    return definitions;
  }

  describe('as shipped', function () {
    it("define the five course queries and the rollout's query gathered on one board in the same order", function () {
      const names = shipped.honeycomb.queries.map((q) => q.name);

      expect(names).to.deep.equal([
        'Request size based on user tag',
        'Latency by user',
        'Recent traces',
        'Slowest root spans',
        'Error rate by route',
        'Errors and latency by version',
      ]);
      expect(shipped.honeycomb.board.panels.map((p) => p.query)).to.deep.equal(names);
    });

    it('define "Request size based on user tag" as the week-2 journal does', function () {
      const query = shipped.honeycomb.queries.find((q) => q.name === 'Request size based on user tag');

      expect(query?.spec).to.deep.include({
        calculations: [{ op: 'AVG', column: 'app.result_length' }],
        filters: [{ column: 'app.result_length', op: '>=', value: 1 }],
        breakdowns: ['app.result_length'],
        orders: [{ op: 'AVG', column: 'app.result_length', order: 'descending' }],
      });
    });

    it('define latency by user as HEATMAP and P90 of duration_ms grouped by app.user', function () {
      const query = shipped.honeycomb.queries.find((q) => q.name === 'Latency by user');

      expect(query?.spec.calculations).to.deep.equal([{ op: 'HEATMAP', column: 'duration_ms' }, { op: 'P90', column: 'duration_ms' }]);
      expect(query?.spec.breakdowns).to.deep.equal(['app.user']);
    });

    it('define errors and latency by version as COUNT, error rate and P99 of duration_ms of server spans per service.version', function () {
      const query = shipped.honeycomb.queries.find((q) => q.name === 'Errors and latency by version');

      expect(query?.spec).to.deep.include({
        calculated_fields: [{ name: 'is_error', expression: 'IF($error, 1, 0)' }],
        calculations: [{ op: 'COUNT' }, { op: 'AVG', column: 'is_error' }, { op: 'P99', column: 'duration_ms' }],
        filters: [{ column: 'span.kind', op: '=', value: 'server' }],
        breakdowns: ['service.version'],
      });
    });

    it('define slowest root spans as MAX(duration_ms) of spans without a parent, grouped by name', function () {
      const query = shipped.honeycomb.queries.find((q) => q.name === 'Slowest root spans');

      expect(query?.spec).to.deep.include({
        calculations: [{ op: 'MAX', column: 'duration_ms' }],
        filters: [{ column: 'trace.parent_id', op: 'does-not-exist' }],
        breakdowns: ['name'],
      });
    });

    it('define the course sampling rule for the X-Ray name the service uses', function () {
      expect(shipped.xray.sampling_rules).to.deep.equal([
        {
          name: 'Cruddur',
          priority: 9000,
          fixed_rate: 0.1,
          reservoir_size: 5,
          service_name: 'backend-flask',
          service_type: '*',
          host: '*',
          http_method: '*',
          url_path: '*',
          resource_arn: '*',
          version: 1,
        },
      ]);
    });

    it('define the Cruddur group and an errors group, both filtering on the X-Ray name', function () {
      expect(shipped.xray.groups).to.deep.equal([
        { name: 'Cruddur', filter_expression: 'service("backend-flask")' },
        { name: 'CruddurErrors', filter_expression: 'service("backend-flask") { fault = true OR error = true }' },
      ]);
    });

    it('define the log group the service ships to, with a retention period', function () {
      expect(shipped.cloudwatch.log_groups).to.deep.equal([{ name: 'cruddur-prod', retention_in_days: 30 }]);
    });

    it('fill in the default panel style', function () {
      expect(shipped.honeycomb.board.panels[0]).to.deep.equal({ query: 'Request size based on user tag', style: 'graph' });
    });
  });

  describe('rejected', function () {
    it('when a placeholder is unknown, naming the file and where it is', function () {
      const dir = copy().editCloudWatch((doc) => {
        doc.log_groups[0] = { name: '${log_groupe}', retention_in_days: 30 };
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.deep.equal([
        'cloudwatch.yaml: /log_groups/0/name: unknown placeholder ${log_groupe} (known: service_name, xray_name, log_group)',
      ]);
    });

    it('when a value breaks the schema, naming the file, the path and the allowed values', function () {
      const dir = copy().editCloudWatch((doc) => {
        doc.log_groups[0] = { name: 'cruddur', retention_in_days: 42 };
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.deep.equal([
        'cloudwatch.yaml: /log_groups/0/retention_in_days: must be equal to one of the allowed values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      ]);
    });

    it('when a field is unknown', function () {
      const dir = copy().editXRay((doc) => {
        doc.groups.push({ name: 'Extra', filter_expression: 'ok', insights: true });
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.deep.equal(['xray.yaml: /groups/2: must NOT have additional properties (insights)']);
    });

    it('when a calculation other than COUNT has no column', function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[0]) doc.queries[0].spec.calculations = [{ op: 'AVG' }];
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.include("honeycomb.yaml: /queries/0/spec/calculations/0: must have required property 'column'");
    });

    it('when a board panel names a query that is not defined', function () {
      const dir = copy().editHoneycomb((doc) => {
        doc.board.panels.push({ query: 'Nobody defined me' });
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.deep.equal(['honeycomb.yaml: /board/panels/6: no query is named "Nobody defined me"']);
    });

    /** The problems of the shipped "Latency by user" query (HEATMAP and P90 of duration_ms) ordered by this op. */
    function orderProblems(op: string): string[] {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[1]) doc.queries[1].spec.orders = [{ op, column: 'duration_ms', order: 'descending' }];
      }).dir;
      return problems(() => loadDefinitions(NAMES, dir));
    }

    it('when an order names neither a calculation nor a breakdown', function () {
      expect(orderProblems('P99')).to.deep.equal([
        'honeycomb.yaml: /queries/1/spec/orders/0: orders must name a calculation (op and column) or a breakdown (column)',
      ]);
    });

    it('when a limit is above the 1000 groups Honeycomb saves a query with', function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[0]) doc.queries[0].spec.limit = 1001;
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.deep.equal(['honeycomb.yaml: /queries/0/spec/limit: must be <= 1000']);
    });

    it('when an order is by a HEATMAP calculation, naming the query', function () {
      expect(orderProblems('HEATMAP')).to.deep.equal([
        'honeycomb.yaml: /queries/1/spec/orders/0: query "Latency by user" cannot be ordered by a HEATMAP, which Honeycomb refuses: order by another calculation or a breakdown',
      ]);
    });

    /** The problems of the shipped first query with these time fields (no time_range unless given). */
    function timeProblems(fields: { time_range?: number; granularity: number }): string[] {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[0]) {
          delete doc.queries[0].spec.time_range;
          Object.assign(doc.queries[0].spec, fields);
        }
      }).dir;
      return problems(() => loadDefinitions(NAMES, dir));
    }
    const outsideTwoHours = (granularity: number) => [
      `honeycomb.yaml: /queries/0/spec/granularity: query "Request size based on user tag" has a granularity of ${granularity} s; Honeycomb takes 8 to 7200 s for a time_range of 7200 s`,
    ];

    it('when a granularity is finer than a thousandth of the time range, naming the query and the range it may take', function () {
      expect(timeProblems({ time_range: 7200, granularity: 7 })).to.deep.equal(outsideTwoHours(7));
    });

    it('when a granularity is coarser than the time range', function () {
      expect(timeProblems({ time_range: 7200, granularity: 7201 })).to.deep.equal(outsideTwoHours(7201));
    });

    it("when a granularity is coarser than Honeycomb's default time range of a query that sets none", function () {
      expect(timeProblems({ granularity: 7201 })).to.deep.equal(outsideTwoHours(7201));
    });

    it('when two queries have the same name', function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[1] && doc.queries[0]) doc.queries[1].name = doc.queries[0].name;
      }).dir;

      expect(problems(() => loadDefinitions(NAMES, dir))).to.include('honeycomb.yaml: query "Request size based on user tag" is defined more than once');
    });

    it('when a file is not valid YAML, naming the file', function () {
      const dir = copy().write('xray.yaml', 'groups: [unclosed\n').dir;

      const [problem] = problems(() => loadDefinitions(NAMES, dir));

      expect(problem).to.match(/^xray\.yaml: /);
    });
  });
});
