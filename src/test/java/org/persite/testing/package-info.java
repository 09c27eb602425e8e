/** Helpers the tests of several packages share: file trees, and a real server JVM process. Nothing here fakes a component. */
package org.persite.testing;
