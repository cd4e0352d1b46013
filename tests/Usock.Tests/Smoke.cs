using Xunit;
namespace Usock.Tests;
public class Smoke { [Fact] public void Works() => Assert.True(true); }
