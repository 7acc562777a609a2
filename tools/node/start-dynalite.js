// Starts dynalite (an in-memory DynamoDB implementation) on a free loopback port and
// prints "DYNALITE_PORT=<port>" once it listens. Used by the bedgov test harness and the
// local emulator command. It exits when its standard input closes, so it never outlives
// the process that started it.
'use strict';
require('./dynalite-gsi'); // UpdateTable creates global secondary indexes, as DynamoDB does
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
