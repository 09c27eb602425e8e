/** The load generator behind {@code load-tests/run}: workloads, phases, memory sampling and the report. */
package org.persite.loadtest;
