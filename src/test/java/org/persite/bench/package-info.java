/** JMH benchmarks of the hot paths (run with bin/bench; never part of the test suite). */
package org.persite.bench;
