// Runs before `npm install`: Hardhat 3 needs Node.js >= 22, and under an older Node
// npm silently skips Hardhat's native EDR package, leaving a half-working install.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `\nfestival-chain needs Node.js >= 22.12 (found ${process.version}).\n` +
      "Get it from the npm registry into a local folder and put it first on PATH:\n" +
      "  npm install -g --prefix .tools/node22 node@22\n" +
      '  export PATH="$PWD/.tools/node22/bin:$PATH"\n' +
      "then run the install again (`bash .ci/run` does all of this for you).\n",
  );
  process.exit(1);
}
