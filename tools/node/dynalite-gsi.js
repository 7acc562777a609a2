// Adds to dynalite 4.0 what DynamoDB does with UpdateTable's GlobalSecondaryIndexUpdates
// Create, which dynalite accepts and silently ignores: the index is added to the table
// (IndexStatus CREATING, Backfilling true, the table UPDATING), every existing item that
// carries the index's key attributes is written to it (the backfill), then index and
// table become ACTIVE. DynamoDB's rules kept (API_UpdateTable,
// GlobalSecondaryIndexDescription, "Managing global secondary indexes"): one index
// created per request and one at a time per table; the key attributes must be in
// AttributeDefinitions; an on-demand table's index takes no ProvisionedThroughput, a
// provisioned table's needs it; an index that exists cannot be created again.
//
// Required by start-dynalite.js before dynalite itself, so that dynalite's action and
// validation tables pick up the patched modules.
'use strict';

const db = require('dynalite/db');

const validation = require('dynalite/validations/updateTable');
// dynalite drops request members its validation table does not name, and it requires
// ProvisionedThroughput on every Create (DynamoDB only on a provisioned table).
validation.types.AttributeDefinitions = require('dynalite/validations/createTable').types.AttributeDefinitions;
delete validation.types.GlobalSecondaryIndexUpdates.children.children.Create.children.ProvisionedThroughput.notNull;

const actionPath = require.resolve('dynalite/actions/updateTable');
const original = require(actionPath);
const onlyOne = 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table';

function invalid (msg) {
  return db.validationError('One or more parameter values were invalid: ' + msg);
}

function resourceInUse (msg) {
  const err = new Error(msg);
  err.statusCode = 400;
  err.body = { __type: 'com.amazonaws.dynamodb.v20120810#ResourceInUseException', message: msg };
  return err;
}

// checkCreate returns the error DynamoDB gives for creating index on table, or null.
function checkCreate (table, data, create) {
  if (data.GlobalSecondaryIndexUpdates.length > 1 || data.ProvisionedThroughput || data.BillingMode) {
    return db.limitError(onlyOne);
  }
  if (table.TableStatus !== 'ACTIVE') {
    return resourceInUse('Attempt to change a resource which is still in use: Table is being updated: ' + table.TableName);
  }
  const indexes = table.GlobalSecondaryIndexes || [];
  if (indexes.some((i) => i.IndexStatus !== 'ACTIVE')) return db.limitError(onlyOne);
  if (indexes.concat(table.LocalSecondaryIndexes || []).some((i) => i.IndexName === create.IndexName)) {
    return invalid('Attempting to create an index which already exists');
  }
  const onDemand = (table.BillingModeSummary || {}).BillingMode === 'PAY_PER_REQUEST';
  if (onDemand && create.ProvisionedThroughput) {
    return invalid('ProvisionedThroughput should not be specified for index: ' + create.IndexName + ' when BillingMode is PAY_PER_REQUEST');
  }
  if (!onDemand && !create.ProvisionedThroughput) {
    return invalid('ProvisionedThroughput must be specified for index: ' + create.IndexName);
  }
  const defs = (table.AttributeDefinitions || []).concat(data.AttributeDefinitions || []);
  const missing = create.KeySchema.map((k) => k.AttributeName).filter((a) => !defs.some((d) => d.AttributeName === a));
  if (missing.length) {
    return invalid('Some index key attributes are not defined in AttributeDefinitions. Keys: [' + missing.join(', ') + ']');
  }
  for (const d of data.AttributeDefinitions || []) {
    const had = (table.AttributeDefinitions || []).find((t) => t.AttributeName === d.AttributeName);
    if (had && had.AttributeType !== d.AttributeType) {
      return invalid('Cannot change the type of attribute ' + d.AttributeName);
    }
  }
  return null;
}

// backfill writes every item of the table that has the index's key attributes into
// index, each under its item's lock so that a concurrent write is not undone, then
// makes the index and the table ACTIVE.
function backfill (store, tableName, index, done) {
  const itemDb = store.getItemDb(tableName);
  const indexDb = store.getIndexDb('Global', tableName, index.IndexName);
  db.lazy(itemDb.createKeyStream(), done).join((keys) => {
    let i = 0;
    const next = (err) => {
      if (err) return done(err);
      if (i >= keys.length) return done(null);
      const key = keys[i++];
      itemDb.lock(key, (release) => {
        const cb = release(next);
        store.getTable(tableName, false, (err, table) => {
          if (err) return cb(err);
          itemDb.get(key, (err, item) => {
            if (err && err.name !== 'NotFoundError') return cb(err);
            if (!item) return cb(null); // deleted meanwhile
            const actions = db.getIndexActions([ index ], null, item, table);
            if (!actions.puts.length) return cb(null); // not in a sparse index
            indexDb.put(actions.puts[0].key, actions.puts[0].item, cb);
          });
        });
      });
    };
    next(null);
  });
}

require.cache[actionPath].exports = function updateTable (store, data, cb) {
  const creates = (data.GlobalSecondaryIndexUpdates || []).filter((u) => u.Create);
  if (!creates.length) return original(store, data, cb);
  const create = creates[0].Create;
  const name = data.TableName, tableDb = store.tableDb;
  tableDb.lock(name, (release) => {
    cb = release(cb);
    store.getTable(name, false, (err, table) => {
      if (err) return cb(err);
      const bad = checkCreate(table, data, create);
      if (bad) return cb(bad);
      for (const d of data.AttributeDefinitions || []) {
        if (!table.AttributeDefinitions.some((t) => t.AttributeName === d.AttributeName)) table.AttributeDefinitions.push(d);
      }
      const index = {
        IndexName: create.IndexName,
        KeySchema: create.KeySchema,
        Projection: create.Projection,
        IndexStatus: 'CREATING',
        Backfilling: true,
        IndexSizeBytes: 0,
        ItemCount: 0,
        IndexArn: table.TableArn + '/index/' + create.IndexName,
        ProvisionedThroughput: Object.assign({ ReadCapacityUnits: 0, WriteCapacityUnits: 0 }, create.ProvisionedThroughput, { NumberOfDecreasesToday: 0 }),
      };
      table.GlobalSecondaryIndexes = (table.GlobalSecondaryIndexes || []).concat([ index ]);
      table.TableStatus = 'UPDATING';
      tableDb.put(name, table, (err) => {
        if (err) return cb(err);
        cb(null, { TableDescription: table });
        // Writes that fetched the table before this put may still be in flight: let
        // them land before reading the items (a test emulator's approximation).
        setTimeout(() => backfill(store, name, index, (err) => {
          if (err && !/Database is (not open|closed)/.test(err)) console.error('dynalite-gsi backfill: ' + (err.stack || err));
          tableDb.lock(name, (release) => {
            const finish = release(() => {});
            store.getTable(name, false, (err, t) => {
              if (err) return finish();
              const ix = (t.GlobalSecondaryIndexes || []).find((x) => x.IndexName === index.IndexName);
              if (ix) {
                ix.IndexStatus = 'ACTIVE';
                delete ix.Backfilling;
              }
              t.TableStatus = 'ACTIVE';
              tableDb.put(name, t, finish);
            });
          });
        }), 50);
      });
    });
  });
};
