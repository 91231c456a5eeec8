"""Everything that talks to S3; the only package that imports boto3.

- ``model``: no boto3: limits, part sizes, ETag arithmetic, ``RemoteObject``;
- ``client``: ``S3Store``, the connection, error translation, small operations;
- ``upload``: conditional, resumable uploads and the streamed archive upload;
- ``download``: ranged, resumable, verified downloads.

Import from the submodule: importing ``git_vam.s3.model`` does not load boto3.
"""
