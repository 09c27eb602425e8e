/** Tests of cluster mode, with real JVM processes on loopback (Failsafe, after {@code package}). */
package org.persite.cluster;
