/** Jest as StrykerJS runs it: the domain's own tests only (test/domain/**), so a mutant is judged by the tests that state the domain's rules. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/domain'], maxWorkers: 1 };
