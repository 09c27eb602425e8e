/** The periodic crystal graph: a cell-list neighbour search, the M nearest neighbours of every site as flat tensor-ready arrays with a mask, and the CGCNN featurizer settings, element table and Gaussian distance expansion. */
package org.persite.graph;
