-- Image previews: a WebP within 640x640 stored by content hash next to the original (its bytes under
-- DATA_DIR/files like any file), and the original's displayed size so clients can reserve the box before
-- the image loads. NULL for non-images, for files whose image would not decode, and for images uploaded
-- before this migration (clients then show the original).
ALTER TABLE files
  ADD COLUMN preview_sha256 text NULL,
  ADD COLUMN width int NULL CHECK (width > 0),
  ADD COLUMN height int NULL CHECK (height > 0);
