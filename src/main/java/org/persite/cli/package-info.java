/** The {@code persite} command line: one runnable entry point with subcommands ({@code parse}, {@code graph}). */
package org.persite.cli;
