// Online global secondary index changes for dynalite 4.0, whose UpdateTable validates
// GlobalSecondaryIndexUpdates Create and Delete but then ignores them (the call succeeds
// and the index never exists). This wraps its updateTable action as DynamoDB documents
// the operation (API_UpdateTable, API_GlobalSecondaryIndexDescription):
//   Create: the new attribute definitions are merged, the index is added with IndexStatus
//     CREATING and Backfilling true and the table is UPDATING; the table's items are then
//     backfilled into it (writes made meanwhile already maintain it) and it becomes ACTIVE.
//   Delete: the index is DELETING, then gone with its data.
// Other updates (throughput, billing mode) go to dynalite's own action.
'use strict';

module.exports = function wrap(original, db) {
  return function updateTable(store, data, cb) {
    const updates = (data.GlobalSecondaryIndexUpdates || []).filter((u) => u.Create || u.Delete);
    if (!updates.length) return original(store, data, cb);
    if (updates.length > 1 || (data.GlobalSecondaryIndexUpdates || []).length > 1) {
      // "You can create or delete only one global secondary index per UpdateTable operation."
      return cb(db.limitError('Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table'));
    }
    const update = updates[0];
    const key = data.TableName;
    const tableDb = store.tableDb;
    tableDb.lock(key, (release) => {
      cb = release(cb);
      store.getTable(key, false, (err, table) => {
        if (err) return cb(err);
        if (table.TableStatus !== 'ACTIVE') {
          return cb(resourceInUse('Attempt to change a resource which is still in use: Table is being updated: ' + key));
        }
        const gsis = table.GlobalSecondaryIndexes || [];
        if (update.Create) {
          return create(table, gsis, update.Create, cb);
        }
        return remove(table, gsis, update.Delete, cb);
      });
    });

    function create(table, gsis, c, cb) {
      if (gsis.some((g) => g.IndexName === c.IndexName) || (table.LocalSecondaryIndexes || []).some((l) => l.IndexName === c.IndexName)) {
        return cb(db.validationError('One or more parameter values were invalid: Index with name: ' + c.IndexName + ' already exists'));
      }
      const onDemand = (table.BillingModeSummary || {}).BillingMode === 'PAY_PER_REQUEST';
      if (onDemand && c.ProvisionedThroughput) {
        return cb(db.validationError('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST'));
      }
      if (!onDemand && !c.ProvisionedThroughput) {
        return cb(db.validationError('One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ' + c.IndexName));
      }
      const defs = (table.AttributeDefinitions || []).slice();
      for (const d of data.AttributeDefinitions || []) {
        const cur = defs.find((x) => x.AttributeName === d.AttributeName);
        if (cur && cur.AttributeType !== d.AttributeType) {
          return cb(db.validationError('One or more parameter values were invalid: Cannot change the type of attribute ' + d.AttributeName));
        }
        if (!cur) defs.push({ AttributeName: d.AttributeName, AttributeType: d.AttributeType });
      }
      for (const k of c.KeySchema) {
        if (!defs.some((d) => d.AttributeName === k.AttributeName)) {
          return cb(db.validationError('One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [' +
            c.KeySchema.map((x) => x.AttributeName).join(', ') + ']'));
        }
      }
      const index = {
        IndexName: c.IndexName,
        KeySchema: c.KeySchema,
        Projection: c.Projection,
        IndexStatus: 'CREATING',
        Backfilling: true,
        ProvisionedThroughput: Object.assign({ ReadCapacityUnits: 0, WriteCapacityUnits: 0 }, c.ProvisionedThroughput || {}, { NumberOfDecreasesToday: 0 }),
        IndexSizeBytes: 0,
        ItemCount: 0,
        IndexArn: table.TableArn + '/index/' + c.IndexName,
      };
      table.AttributeDefinitions = defs;
      table.GlobalSecondaryIndexes = gsis.concat([index]);
      table.TableStatus = 'UPDATING';
      tableDb.put(key, table, (err) => {
        if (err) return cb(err);
        cb(null, { TableDescription: table });
        // Writes from here on maintain the index (they read the table's definition);
        // the backfill indexes each item under its item lock, as it stands then.
        setTimeout(() => backfill(table, index), store.options.updateTableMs);
      });
    }

    function backfill(table, index) {
      const itemDb = store.getItemDb(table.TableName);
      const keys = [];
      itemDb.createKeyStream()
        .on('data', (k) => keys.push(k))
        .on('error', (err) => console.error('dynalite-gsi backfill: ' + (err.stack || err)))
        .on('end', () => {
          const only = Object.assign({}, table, { GlobalSecondaryIndexes: [index], LocalSecondaryIndexes: [] });
          let i = 0;
          const next = () => {
            if (i >= keys.length) return finish();
            const k = keys[i++];
            itemDb.lock(k, (release) => {
              const done = release(() => setImmediate(next));
              itemDb.get(k, (err, item) => {
                if (err || !item || !indexable(table, index, item)) return done();
                db.updateIndexes(store, only, null, item, () => done());
              });
            });
          };
          next();
        });
    }

    function finish() {
      tableDb.lock(key, (release) => {
        const done = release(() => {});
        store.getTable(key, false, (err, t) => {
          if (err) return done();
          for (const g of t.GlobalSecondaryIndexes || []) {
            if (g.IndexStatus === 'CREATING') {
              g.IndexStatus = 'ACTIVE';
              delete g.Backfilling;
            }
          }
          t.TableStatus = 'ACTIVE';
          tableDb.put(key, t, () => done());
        });
      });
    }

    function remove(table, gsis, d, cb) {
      const index = gsis.find((g) => g.IndexName === d.IndexName);
      if (!index) {
        return cb(resourceNotFound('Requested resource not found: Index: ' + d.IndexName + ' not found for table: ' + key));
      }
      index.IndexStatus = 'DELETING';
      table.TableStatus = 'UPDATING';
      tableDb.put(key, table, (err) => {
        if (err) return cb(err);
        cb(null, { TableDescription: table });
        setTimeout(() => {
          tableDb.lock(key, (release) => {
            const done = release(() => {});
            store.getTable(key, false, (err, t) => {
              if (err) return done();
              t.GlobalSecondaryIndexes = (t.GlobalSecondaryIndexes || []).filter((g) => g.IndexName !== d.IndexName);
              if (!t.GlobalSecondaryIndexes.length) delete t.GlobalSecondaryIndexes;
              t.TableStatus = 'ACTIVE';
              tableDb.put(key, t, () => store.deleteIndexDb('global', key, d.IndexName, () => done()));
            });
          });
        }, store.options.updateTableMs);
      });
    }
  };
};

// indexable: an item is backfilled only if it has every index key attribute with the
// declared type (an item whose key attribute has another type stays out of the index).
function indexable(table, index, item) {
  return index.KeySchema.every((k) => {
    const v = item[k.AttributeName];
    const def = table.AttributeDefinitions.find((d) => d.AttributeName === k.AttributeName);
    return v != null && def && v[def.AttributeType] != null;
  });
}

function resourceInUse(message) {
  const err = new Error(message);
  err.statusCode = 400;
  err.body = { __type: 'com.amazonaws.dynamodb.v20120810#ResourceInUseException', message };
  return err;
}

function resourceNotFound(message) {
  const err = new Error(message);
  err.statusCode = 400;
  err.body = { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message };
  return err;
}
