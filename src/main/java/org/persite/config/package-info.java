/** Loading persite's HOCON configuration (reference.conf defaults, conf/application.conf overrides) into typed settings. */
package org.persite.config;
