using RxSockets.Cli;

return await Dispatcher.RunAsync(args).ConfigureAwait(false);
