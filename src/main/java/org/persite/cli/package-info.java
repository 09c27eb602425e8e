/**
 * The {@code persite} command line ({@link org.persite.cli.PersiteCli}): one entry point with subcommands.
 * {@code serve} runs the server; {@code predict} predicts files in this process ({@link org.persite.local}) or
 * streams them to a server ({@code --server}); {@code train}, {@code evaluate}, {@code ensemble} and {@code calibrate}
 * make and check model versions; {@code models} drives a server's Admin API; {@code parse} and {@code graph} show what
 * the readers and the graph builder make of a file; {@code loadtest} runs the load generator. The output formats
 * (CSV or JSON Lines site rows, {@link org.persite.cli.SiteRowWriter}) and the progress lines live here too.
 */
package org.persite.cli;
