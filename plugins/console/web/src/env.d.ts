/** Style sheets are bundled into the console's CSS file by the build. */
declare module '*.css';
