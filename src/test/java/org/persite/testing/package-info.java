/** Helpers the tests of several packages share (files only; nothing here fakes a component). */
package org.persite.testing;
