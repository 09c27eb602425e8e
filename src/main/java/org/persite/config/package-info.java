/**
 * Loading persite's HOCON configuration (reference.conf defaults, conf/application.conf overrides) into typed
 * settings, and {@link org.persite.config.HostPort}, a server address as the command line and clients give it (here
 * so that the command line and the load generator share it without importing each other), and
 * {@link org.persite.config.BuildInfo}, what this build is (version, commit, library versions).
 */
package org.persite.config;
