// Starts dynalite (an in-memory DynamoDB implementation) on a free loopback port and
// prints "DYNALITE_PORT=<port>" once it listens. Used by the bedgov test harness and the
// local emulator command. It exits when its standard input closes, so it never outlives
// the process that started it.
'use strict';
// dynalite requires its actions once, at load: replacing the cached updateTable module
// first gives it online index creation and deletion (see dynalite-gsi.js).
const updateTablePath = require.resolve('dynalite/actions/updateTable');
require(updateTablePath);
require.cache[updateTablePath].exports = require('./dynalite-gsi.js')(require(updateTablePath), require('dynalite/db'));
// An index created on an on-demand table has no ProvisionedThroughput (dynalite's
// validation predates on-demand and requires it); dynalite-gsi.js checks it by billing mode.
// Its UpdateTable validation also drops AttributeDefinitions (which an index's keys need):
// they are validated as CreateTable validates them.
const updateTableTypes = require('dynalite/validations/updateTable').types;
delete updateTableTypes.GlobalSecondaryIndexUpdates.children.children.Create.children.ProvisionedThroughput.notNull;
updateTableTypes.AttributeDefinitions = Object.assign({}, require('dynalite/validations/createTable').types.AttributeDefinitions);
delete updateTableTypes.AttributeDefinitions.notNull;
const dynalite = require('dynalite');
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const port = Number(process.env.DYNALITE_PORT || 0);
server.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error('dynalite: ' + err.message);
    process.exit(1);
  }
  process.stdout.write('DYNALITE_PORT=' + server.address().port + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
