#!/usr/bin/env node
// The `switchyard` command. A committed file, so npm can link the bin before the build ran;
// the command itself is the built dist/cli.js.
import '../dist/cli.js';
