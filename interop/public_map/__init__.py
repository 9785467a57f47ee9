"""The static public map (decision 0056): the authority's published layers as PMTiles and a page that needs no
Clearground process to serve it."""
